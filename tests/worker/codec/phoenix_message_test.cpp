// SPDX-License-Identifier: MIT
// test-support: alloc_counter
#include "worker/codec/phoenix_message.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "tests/support/alloc_counter.hpp"

using namespace shoal::codec;

TEST_CASE("PhoenixCodec: a join frame from phoenix.js parses into its five fields",
          "[worker][phoenix]") {
    PhoenixCodec codec;
    PhoenixMessage m;
    std::string text = R"(["3","3","room:lobby","phx_join",{"token":"abc","n":[1,2]}])";
    REQUIRE(codec.parse(text, m) == PhoenixParseStatus::Ok);
    REQUIRE(m.join_ref == std::optional<std::string_view>("3"));
    REQUIRE(m.ref == std::optional<std::string_view>("3"));
    REQUIRE(m.topic == "room:lobby");
    REQUIRE(m.event == "phx_join");
    REQUIRE(m.payload == R"({"token":"abc","n":[1,2]})");
}

TEST_CASE("PhoenixCodec: a heartbeat has a null join_ref; numeric refs become text",
          "[worker][phoenix]") {
    PhoenixCodec codec;
    PhoenixMessage m;
    REQUIRE(codec.parse(R"([null,17,"phoenix","heartbeat",{}])", m) == PhoenixParseStatus::Ok);
    REQUIRE_FALSE(m.join_ref.has_value());
    REQUIRE(m.ref == std::optional<std::string_view>("17"));
    REQUIRE(m.topic == "phoenix");
    REQUIRE(m.payload == "{}");
}

TEST_CASE("PhoenixCodec: each malformed frame has its own status", "[worker][phoenix]") {
    PhoenixCodec codec(256);
    PhoenixMessage m;
    REQUIRE(codec.parse("not json", m) == PhoenixParseStatus::NotJson);
    REQUIRE(codec.parse(R"({"topic":"x"})", m) == PhoenixParseStatus::NotArray);
    REQUIRE(codec.parse(R"(["1","1","t","e"])", m) == PhoenixParseStatus::NotArray);
    REQUIRE(codec.parse(R"([{},"1","t","e",{}])", m) == PhoenixParseStatus::BadRef);
    REQUIRE(codec.parse(R"(["1","1","","e",{}])", m) == PhoenixParseStatus::BadTopic);
    REQUIRE(codec.parse(R"(["1","1","a b","e",{}])", m) == PhoenixParseStatus::BadTopic);
    REQUIRE(codec.parse(R"(["1","1",7,"e",{}])", m) == PhoenixParseStatus::BadTopic);
    REQUIRE(codec.parse(R"(["1","1","t",5,{}])", m) == PhoenixParseStatus::BadEvent);
    REQUIRE(codec.parse(R"(["1","1","t","e",[1]])", m) == PhoenixParseStatus::BadPayload);
    REQUIRE(codec.parse(std::string(300, ' '), m) == PhoenixParseStatus::TooLarge);
    REQUIRE(codec.parse(R"(["1","1",")" + std::string(201, 'a') + R"(","e",{}])", m) ==
            PhoenixParseStatus::BadTopic);
}

TEST_CASE("PhoenixCodec: deeply nested JSON is refused, not recursed into", "[worker][phoenix]") {
    // 1 MiB of nesting (a raised --max-message-bytes) crashed a worker's 8 MiB stack.
    PhoenixCodec codec(1024 * 1024);
    PhoenixMessage m;
    const auto nested = [](std::size_t depth) {
        return R"(["1","1","t","e",{"a":)" + std::string(depth, '[') + std::string(depth, ']') +
               "}]";
    };
    REQUIRE(codec.parse(nested(500'000), m) == PhoenixParseStatus::NotJson);
    REQUIRE(codec.parse(nested(kMaxPhoenixJsonDepth - 2), m) == PhoenixParseStatus::Ok);
    REQUIRE(codec.parse(nested(kMaxPhoenixJsonDepth - 1), m) == PhoenixParseStatus::NotJson);
    // Brackets inside strings are not nesting.
    REQUIRE(codec.parse(R"(["1","1","t","e",{"a":")" + std::string(10'000, '[') + R"("}])", m) ==
            PhoenixParseStatus::Ok);
}

TEST_CASE("PhoenixCodec: replies and pushes encode as phoenix.js expects", "[worker][phoenix]") {
    PhoenixCodec codec;
    REQUIRE(codec.encode_reply("3", "4", "room:lobby", "ok", "{}") ==
            R"(["3","4","room:lobby","phx_reply",{"status":"ok","response":{}}])");
    REQUIRE(codec.encode_reply(std::nullopt, "5", "phoenix", "ok", "{}") ==
            R"([null,"5","phoenix","phx_reply",{"status":"ok","response":{}}])");
    REQUIRE(codec.encode_message(std::nullopt, std::nullopt, "a\"b", "new_msg", R"({"x":1})") ==
            R"([null,null,"a\"b","new_msg",{"x":1}])");
}

TEST_CASE("PhoenixCodec: encoded frames parse back to the same fields", "[worker][phoenix]") {
    PhoenixCodec enc;
    PhoenixCodec dec;
    std::string frame(enc.encode_message("1", "2", "chat:x", "shout", R"({"body":"h\u00e9"})"));
    PhoenixMessage m;
    REQUIRE(dec.parse(frame, m) == PhoenixParseStatus::Ok);
    REQUIRE(m.topic == "chat:x");
    REQUIRE(m.event == "shout");
    REQUIRE(m.payload == "{\"body\":\"h\xc3\xa9\"}");
}

TEST_CASE("PhoenixCodec: steady-state parse and encode allocate nothing", "[worker][phoenix]") {
    PhoenixCodec codec;
    PhoenixMessage m;
    std::string text = R"(["3","9","room:lobby","new_msg",{"body":"hello","n":42}])";
    for (int i = 0; i < 10; ++i) {
        REQUIRE(codec.parse(text, m) == PhoenixParseStatus::Ok);
        (void)codec.encode_message(m.join_ref, m.ref, m.topic, m.event, m.payload);
    }
    shoal::test::AllocationScope scope;
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(codec.parse(text, m) == PhoenixParseStatus::Ok);
        (void)codec.encode_message(m.join_ref, m.ref, m.topic, m.event, m.payload);
    }
    REQUIRE(scope.count() == 0);
}
