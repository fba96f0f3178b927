// SPDX-License-Identifier: MIT
// test-support: alloc_counter
// Client message parsing: every message type, malformed input, and no allocation once warm.
#include "worker/codec/pusher_message.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "tests/support/alloc_counter.hpp"
#include "worker/codec/json_text.hpp"

using namespace shoal::codec;

TEST_CASE("pusher message: subscribe carries channel, auth and channel_data", "[codec][pusher]") {
    PusherParser p;
    ClientMessage m;
    REQUIRE(p.parse(R"({"event":"pusher:subscribe","data":{"channel":"presence-a","auth":"k:s",)"
                    R"("channel_data":"{\"user_id\":1}"}})",
                    m) == ParseError::None);
    CHECK(m.type == ClientMessageType::Subscribe);
    CHECK(m.channel == "presence-a");
    CHECK(m.auth == "k:s");
    CHECK(m.channel_data == R"({"user_id":1})");
}

TEST_CASE("pusher message: ping, pong, unsubscribe, signin and unknown events are classified",
          "[codec][pusher]") {
    PusherParser p;
    ClientMessage m;
    REQUIRE(p.parse(R"({"event":"pusher:ping","data":{}})", m) == ParseError::None);
    CHECK(m.type == ClientMessageType::Ping);
    REQUIRE(p.parse(R"({"event":"pusher:pong"})", m) == ParseError::None);
    CHECK(m.type == ClientMessageType::Pong);
    REQUIRE(p.parse(R"({"event":"pusher:unsubscribe","data":{"channel":"x"}})", m) ==
            ParseError::None);
    CHECK(m.type == ClientMessageType::Unsubscribe);
    CHECK(m.channel == "x");
    REQUIRE(p.parse(R"({"event":"pusher:signin","data":{"auth":"a","user_data":"{\"id\":\"1\"}"}})",
                    m) == ParseError::None);
    CHECK(m.type == ClientMessageType::Signin);
    CHECK(m.user_data == R"({"id":"1"})");
    REQUIRE(p.parse(R"({"event":"something"})", m) == ParseError::None);
    CHECK(m.type == ClientMessageType::Unknown);
}

TEST_CASE("pusher message: a client event keeps its data as JSON text", "[codec][pusher]") {
    PusherParser p;
    ClientMessage m;
    REQUIRE(p.parse(R"({"event":"client-typing","channel":"private-a","data":{"x":[1,"two"]}})",
                    m) == ParseError::None);
    CHECK(m.type == ClientMessageType::ClientEvent);
    CHECK(m.channel == "private-a");
    CHECK(m.data_json == R"({"x":[1,"two"]})");
    REQUIRE(p.parse(R"({"event":"client-s","channel":"private-a","data":"q\"uote"})", m) ==
            ParseError::None);
    CHECK(m.data_json == R"("q\"uote")");
}

TEST_CASE("pusher message: malformed input gets an error, never a crash", "[codec][pusher]") {
    PusherParser p;
    ClientMessage m;
    CHECK(p.parse("", m) == ParseError::BadJson);
    CHECK(p.parse("{\"event\":\"pusher:sub", m) == ParseError::BadJson);
    CHECK(p.parse("[1,2]", m) == ParseError::BadJson);
    CHECK(p.parse("{}", m) == ParseError::NoEvent);
    CHECK(p.parse(R"({"event":5})", m) == ParseError::NoEvent);
    CHECK(p.parse(R"({"event":"pusher:subscribe"})", m) == ParseError::BadPayload);
    CHECK(p.parse(R"({"event":"pusher:subscribe","data":{"channel":7}})", m) ==
          ParseError::BadPayload);
    CHECK(p.parse(R"({"event":"client-x","data":{}})", m) == ParseError::BadPayload);
    CHECK(p.parse(R"({"event":"pusher:signin","data":{"auth":"a"}})", m) == ParseError::BadPayload);
    // A prefix of a valid message, cut inside a string: the parser must stop at the view's end.
    std::string buf = R"({"event":"pusher:ping"})";
    CHECK(p.parse(std::string_view(buf).substr(0, 12), m) == ParseError::BadJson);
}

TEST_CASE("pusher message: escapes that decode to invalid UTF-8 are bad JSON", "[codec][pusher]") {
    PusherParser p;
    ClientMessage m;
    CHECK(p.parse(R"({"event":"client-x","channel":"c","data":"\udc00"})", m) ==
          ParseError::BadJson);
    CHECK(p.parse(R"({"event":"client-x","channel":"c","data":"\ud800x"})", m) ==
          ParseError::BadJson);
    CHECK(p.parse(R"({"event":"client-x","channel":"c","data":"\ud800\u0041"})", m) ==
          ParseError::BadJson);
    CHECK(p.parse(R"({"event":"client-x","channel":"c","data":"\\udc00"})", m) ==
          ParseError::None);  // an escaped backslash, then plain text
    CHECK(p.parse(R"({"event":"client-x","channel":"c","data":"\ud83d\ude00\u00e9"})", m) ==
          ParseError::None);
    CHECK(m.data_json == "\"\xF0\x9F\x98\x80\xC3\xA9\"");
    std::string id;
    CHECK_FALSE(p.parse_user_id(R"({"id":"\udc00"})", id));
    PresenceData pd;
    CHECK_FALSE(p.parse_channel_data(R"({"user_id":"\udc01"})", pd));
}

TEST_CASE("json text scan: depth and lone surrogates", "[codec]") {
    CHECK(scan_json_text(R"(["\udc00"])", 8) == JsonScan::LoneSurrogate);
    CHECK(scan_json_text(R"(["\uDBFF\uDFFF"])", 8) == JsonScan::Ok);
    CHECK(scan_json_text(R"(["\uDBFF", "\uDC00"])", 8) == JsonScan::LoneSurrogate);
    CHECK(scan_json_text(R"(["\uDBFF\\uDC00"])", 8) == JsonScan::Ok);  // RapidJSON refuses it
    CHECK(scan_json_text("[[[]]]", 2) == JsonScan::TooDeep);
    CHECK(scan_json_text(R"(["[[[[\udc00"])", 2) == JsonScan::LoneSurrogate);
    CHECK(scan_json_text(R"(["\udc0)", 8) == JsonScan::Ok);  // cut short: the parser refuses it
}

TEST_CASE("pusher message: channel_data and user_data yield the user id", "[codec][pusher]") {
    PusherParser p;
    PresenceData d;
    REQUIRE(p.parse_channel_data(R"({"user_id":"u1","user_info":{"name":"Ann"}})", d));
    CHECK(d.user_id == "u1");
    CHECK(d.user_info_json == R"({"name":"Ann"})");
    REQUIRE(p.parse_channel_data(R"({"user_id":42})", d));
    CHECK(d.user_id == "42");
    CHECK(d.user_info_json == "null");
    CHECK_FALSE(p.parse_channel_data(R"({"user_info":{}})", d));
    CHECK_FALSE(p.parse_channel_data(R"({"user_id":""})", d));
    CHECK_FALSE(p.parse_channel_data("nope", d));
    std::string id;
    CHECK(p.parse_user_id(R"({"id":"7","name":"x"})", id));
    CHECK(id == "7");
    CHECK_FALSE(p.parse_user_id(R"({"id":7})", id));
    CHECK_FALSE(p.parse_user_id(R"({"name":"x"})", id));
}

TEST_CASE("pusher message: a warm parser allocates nothing per message", "[codec][pusher]") {
    PusherParser p;
    ClientMessage m;
    std::string msg =
        R"({"event":"client-move","channel":"private-game","data":{"x":1,"y":2,"s":"abc"}})";
    for (int i = 0; i < 4; ++i)
        REQUIRE(p.parse(msg, m) == ParseError::None);
    shoal::test::AllocationScope scope;
    for (int i = 0; i < 1000; ++i)
        REQUIRE(p.parse(msg, m) == ParseError::None);
    CHECK(scope.count() == 0);
}

TEST_CASE("pusher message: deeply nested JSON is refused, not recursed into", "[codec][pusher]") {
    PusherParser p;
    ClientMessage m;
    std::string deep = R"({"event":"client-x","channel":"private-a","data":)" +
                       std::string(100'000, '[') + std::string(100'000, ']') + "}";
    CHECK(p.parse(deep, m) == ParseError::BadJson);
    std::string ok = R"({"event":"client-x","channel":"private-a","data":)" + std::string(60, '[') +
                     std::string(60, ']') + "}";
    CHECK(p.parse(ok, m) == ParseError::None);
    std::string brackets_in_string =
        R"({"event":"client-x","channel":"private-a","data":")" + std::string(1000, '[') + "\"}";
    CHECK(p.parse(brackets_in_string, m) == ParseError::None);
    PresenceData d;
    CHECK_FALSE(
        p.parse_channel_data(R"({"user_id":"1","user_info":)" + std::string(100'000, '{'), d));
}

TEST_CASE("pusher message: random bytes and every prefix of a valid message never crash",
          "[codec][pusher]") {
    PusherParser p;
    ClientMessage m;
    std::string valid =
        R"({"event":"pusher:subscribe","data":{"channel":"presence-a","auth":"k:s","channel_data":"{\"user_id\":1}"}})";
    for (std::size_t n = 0; n < valid.size(); ++n)
        CHECK(p.parse(valid.substr(0, n), m) != ParseError::None);
    std::uint32_t x = 12345;
    std::string junk;
    for (int round = 0; round < 2000; ++round) {
        junk.clear();
        std::size_t len = (x = x * 1664525u + 1013904223u) % 200;
        for (std::size_t i = 0; i < len; ++i) {
            x = x * 1664525u + 1013904223u;
            junk.push_back("{}[]\":,ab01\\ \x01\xff"[(x >> 16) % 16]);
        }
        (void)p.parse(junk, m);  // any answer, no crash, no sanitizer report
    }
}

TEST_CASE("pusher message: subscribe may carry a recover position; a malformed one is refused",
          "[codec][pusher]") {
    PusherParser p;
    ClientMessage m;
    REQUIRE(p.parse(R"({"event":"pusher:subscribe","data":{"channel":"feed",)"
                    R"("recover":{"offset":41,"epoch":"00000000000000ab"}}})",
                    m) == ParseError::None);
    CHECK(m.has_recover);
    CHECK(m.recover_offset == 41);
    CHECK(m.recover_epoch == "00000000000000ab");
    REQUIRE(p.parse(R"({"event":"pusher:subscribe","data":{"channel":"feed"}})", m) ==
            ParseError::None);
    CHECK_FALSE(m.has_recover);
    for (const char* bad : {R"("recover":1)", R"("recover":{"offset":-1,"epoch":"e"})",
                            R"("recover":{"offset":"1","epoch":"e"})", R"("recover":{"epoch":"e"})",
                            R"("recover":{"offset":1})", R"("recover":{"offset":1.5,"epoch":"e"})",
                            R"("recover":{"offset":1,"epoch":7})"}) {
        const std::string text =
            std::string(R"({"event":"pusher:subscribe","data":{"channel":"feed",)") + bad + "}}";
        CHECK(p.parse(text, m) == ParseError::BadPayload);
    }
    const std::string long_epoch(65, 'a');
    CHECK(p.parse(R"({"event":"pusher:subscribe","data":{"channel":"feed","recover":)"
                  R"({"offset":1,"epoch":")" +
                      long_epoch + "\"}}}",
                  m) == ParseError::BadPayload);
}
