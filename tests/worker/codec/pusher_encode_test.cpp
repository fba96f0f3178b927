// SPDX-License-Identifier: MIT
// Server messages: each is valid JSON with the fields pusher-js reads.
#include "worker/codec/pusher_encode.hpp"

#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

using namespace shoal::codec;

namespace {
rapidjson::Document json(const std::string& s) {
    rapidjson::Document d;
    d.Parse(s.c_str());
    REQUIRE_FALSE(d.HasParseError());
    return d;
}
rapidjson::Document inner(const rapidjson::Document& d) {
    REQUIRE(d["data"].IsString());
    return json(d["data"].GetString());
}
}  // namespace

TEST_CASE(
    "pusher encode: connection_established carries socket_id and activity_timeout as a "
    "JSON string",
    "[codec][pusher]") {
    std::string out;
    encode_connection_established(out, "123.456", 120);
    auto d = json(out);
    CHECK(std::string(d["event"].GetString()) == "pusher:connection_established");
    auto data = inner(d);
    CHECK(std::string(data["socket_id"].GetString()) == "123.456");
    CHECK(data["activity_timeout"].GetInt() == 120);
}

TEST_CASE("pusher encode: errors and subscription errors carry code, type and status",
          "[codec][pusher]") {
    std::string out;
    encode_error(out, 4301, "too \"fast\"\n");
    auto d = json(out);
    CHECK(d["data"]["code"].GetInt() == 4301);
    CHECK(std::string(d["data"]["message"].GetString()) == "too \"fast\"\n");
    encode_subscription_error(out, "private-a", "AuthError", "bad", 401);
    auto e = json(out);
    CHECK(std::string(e["channel"].GetString()) == "private-a");
    CHECK(std::string(e["data"]["type"].GetString()) == "AuthError");
    CHECK(e["data"]["status"].GetInt() == 401);
}

TEST_CASE("pusher encode: presence succeeded lists ids, hash and count", "[codec][pusher]") {
    std::string out, scratch;
    std::vector<PresenceMember> members{{"1", R"({"name":"Ann"})"}, {"2", "null"}};
    encode_presence_succeeded(out, scratch, "presence-r", members);
    auto d = json(out);
    CHECK(std::string(d["event"].GetString()) == "pusher_internal:subscription_succeeded");
    auto p = inner(d);
    CHECK(p["presence"]["count"].GetInt() == 2);
    CHECK(p["presence"]["ids"].Size() == 2);
    CHECK(std::string(p["presence"]["hash"]["1"]["name"].GetString()) == "Ann");
    CHECK(p["presence"]["hash"]["2"].IsNull());
}

TEST_CASE("pusher encode: member_added and member_removed name the user", "[codec][pusher]") {
    std::string out, scratch;
    encode_member_added(out, scratch, "presence-r", {"u\"1", R"({"a":1})"});
    auto d = inner(json(out));
    CHECK(std::string(d["user_id"].GetString()) == "u\"1");
    CHECK(d["user_info"]["a"].GetInt() == 1);
    encode_member_removed(out, scratch, "presence-r", "u2");
    auto r = json(out);
    CHECK(std::string(r["event"].GetString()) == "pusher_internal:member_removed");
    CHECK(std::string(inner(r)["user_id"].GetString()) == "u2");
}

TEST_CASE("pusher encode: events carry data as JSON or as a string, and user_id when given",
          "[codec][pusher]") {
    std::string out;
    encode_event_json(out, "client-x", "presence-a", R"({"k":[1]})", "9");
    auto d = json(out);
    CHECK(d["data"]["k"][0].GetInt() == 1);
    CHECK(std::string(d["user_id"].GetString()) == "9");
    encode_event_string(out, "news", "c", std::string("a\x01\\b", 4));
    auto s = json(out);
    CHECK(std::string(s["data"].GetString()) == std::string("a\x01\\b", 4));
    CHECK_FALSE(s.HasMember("user_id"));
    encode_signin_success(out, R"({"id":"1"})");
    CHECK(std::string(json(out)["data"]["user_data"].GetString()) == R"({"id":"1"})");
    encode_ping(out);
    CHECK(std::string(json(out)["event"].GetString()) == "pusher:ping");
    encode_pong(out);
    CHECK(std::string(json(out)["event"].GetString()) == "pusher:pong");
}

TEST_CASE("pusher encode: a history channel's events and subscription_succeeded carry positions",
          "[codec][pusher]") {
    std::string out, scratch;
    encode_event_string(out, "tick", "feed", "x", Position{7, "00000000000000ab"});
    auto d = json(out);
    CHECK(d["position"]["offset"].GetUint64() == 7);
    CHECK(std::string(d["position"]["epoch"].GetString()) == "00000000000000ab");
    encode_event_json(out, "client-x", "private-feed", R"({"a":1})", "u1", Position{8, "e"});
    d = json(out);
    CHECK(d["position"]["offset"].GetUint64() == 8);
    CHECK(std::string(d["user_id"].GetString()) == "u1");
    encode_event_string(out, "tick", "feed", "x");
    CHECK_FALSE(json(out).HasMember("position"));

    HistoryStartInfo h{{3, "00000000000000ab"}, true, false};
    encode_subscription_succeeded(out, "feed", &h);
    auto data = inner(json(out));
    CHECK(data["position"]["offset"].GetUint64() == 3);
    CHECK(data["recovered"].IsFalse());
    h.asked = false;
    encode_subscription_succeeded(out, "feed", &h);
    CHECK_FALSE(inner(json(out)).HasMember("recovered"));

    std::vector<PresenceMember> members{{"u1", "{}"}};
    h = {{5, "e"}, true, true};
    encode_presence_succeeded(out, scratch, "presence-feed", members, &h);
    data = inner(json(out));
    CHECK(data["presence"]["count"].GetInt() == 1);
    CHECK(data["position"]["offset"].GetUint64() == 5);
    CHECK(data["recovered"].IsTrue());
}
