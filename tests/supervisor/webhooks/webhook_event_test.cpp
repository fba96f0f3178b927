// SPDX-License-Identifier: MIT
// test-labels: unit supervisor webhooks
// The events' JSON as Pusher documents it, escaped by RapidJSON, and the body around them.
#include "supervisor/webhooks/webhook_event.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

using namespace shoal::webhooks;

namespace {

rapidjson::Document parse(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    REQUIRE_FALSE(d.HasParseError());
    return d;
}

}  // namespace

TEST_CASE("webhook events: each kind renders Pusher's fields, escaped", "[supervisor][webhooks]") {
    Event e;
    e.kind = EventKind::ClientEvent;
    e.channel = "presence-\"q\"";
    e.event = "client-typing";
    e.data = R"({"text":"hé\n"})";
    e.socket_id = "123.456";
    e.user_id = "ann";
    std::string s;
    append_event_json(s, e);
    auto d = parse(s);
    REQUIRE(std::string(d["name"].GetString()) == "client_event");
    REQUIRE(std::string(d["channel"].GetString()) == "presence-\"q\"");
    REQUIRE(std::string(d["event"].GetString()) == "client-typing");
    REQUIRE(std::string(d["data"].GetString()) == R"({"text":"hé\n"})");
    REQUIRE(std::string(d["socket_id"].GetString()) == "123.456");
    REQUIRE(std::string(d["user_id"].GetString()) == "ann");

    e.user_id.clear();  // a private channel's client event has no user_id
    s.clear();
    append_event_json(s, e);
    REQUIRE_FALSE(parse(s).HasMember("user_id"));

    Event m;
    m.kind = EventKind::CacheMiss;
    m.channel = "cache-x";
    s.clear();
    append_event_json(s, m);
    REQUIRE(s == R"({"name":"cache_miss","channel":"cache-x"})");
    m.kind = EventKind::ChannelVacated;
    s.clear();
    append_event_json(s, m);
    REQUIRE(s == R"({"name":"channel_vacated","channel":"cache-x"})");
}

TEST_CASE("webhook body: time_ms and the events array", "[supervisor][webhooks]") {
    REQUIRE(make_body(5, "") == R"({"time_ms":5,"events":[]})");
    REQUIRE(make_body(1700000000000, R"({"a":1},{"b":2})") ==
            R"({"time_ms":1700000000000,"events":[{"a":1},{"b":2}]})");
    REQUIRE(kind_name(EventKind::MemberRemoved) == "member_removed");
}
