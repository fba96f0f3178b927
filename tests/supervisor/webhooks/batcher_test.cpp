// SPDX-License-Identifier: MIT
// test-labels: unit supervisor webhooks
// Batching: events of one target within the window go in one body, a full batch closes at once,
// targets (app, URL) never share a body, and the body is Pusher's {"time_ms","events"}.
#include "supervisor/webhooks/batcher.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "supervisor/webhooks/webhook_event.hpp"

using namespace shoal::webhooks;

namespace {

std::string event_json(EventKind k, const char* channel, const char* user = "") {
    Event e;
    e.kind = k;
    e.channel = channel;
    e.user_id = user;
    std::string out;
    append_event_json(out, e);
    return out;
}

rapidjson::Document parse(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    REQUIRE_FALSE(d.HasParseError());
    return d;
}

}  // namespace

TEST_CASE("Batcher: events within the window go in one request, in order",
          "[supervisor][webhooks]") {
    Batcher b(50, 100);
    std::vector<Batch> out;
    b.add("1", "http://h/a", event_json(EventKind::ChannelOccupied, "x"), 1000, 1'700'000'000'000,
          out);
    b.add("1", "http://h/a", event_json(EventKind::MemberAdded, "presence-x", "u1"), 1040,
          1'700'000'000'040, out);
    REQUIRE(out.empty());
    REQUIRE(b.next_deadline_ms() == 1050u);
    b.due(1049, 0, out);
    REQUIRE(out.empty());
    b.due(1050, 1'700'000'000'050, out);
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].app_id == "1");
    REQUIRE(out[0].url == "http://h/a");
    REQUIRE(out[0].events == 2);
    auto d = parse(out[0].body);
    REQUIRE(d["time_ms"].GetUint64() == 1'700'000'000'050u);
    REQUIRE(d["events"].Size() == 2);
    REQUIRE(std::string(d["events"][0]["name"].GetString()) == "channel_occupied");
    REQUIRE(std::string(d["events"][0]["channel"].GetString()) == "x");
    REQUIRE(std::string(d["events"][1]["name"].GetString()) == "member_added");
    REQUIRE(std::string(d["events"][1]["user_id"].GetString()) == "u1");
    REQUIRE(b.open_batches() == 0);
}

TEST_CASE("Batcher: a batch that reaches the maximum closes at once", "[supervisor][webhooks]") {
    Batcher b(50, 3);
    std::vector<Batch> out;
    for (int i = 0; i < 7; ++i)
        b.add("1", "u", event_json(EventKind::ChannelOccupied, "c"), 0, 0, out);
    REQUIRE(out.size() == 2);
    REQUIRE(out[0].events == 3);
    REQUIRE(out[1].events == 3);
    b.flush_all(0, out);
    REQUIRE(out.size() == 3);
    REQUIRE(out[2].events == 1);
    REQUIRE(parse(out[2].body)["events"].Size() == 1);
}

TEST_CASE("Batcher: two URLs or two apps never share a request", "[supervisor][webhooks]") {
    Batcher b(50, 100);
    std::vector<Batch> out;
    b.add("1", "u1", event_json(EventKind::ChannelOccupied, "c"), 0, 0, out);
    b.add("1", "u2", event_json(EventKind::ChannelOccupied, "c"), 0, 0, out);
    b.add("2", "u1", event_json(EventKind::ChannelOccupied, "c"), 10, 0, out);
    REQUIRE(b.open_batches() == 3);
    b.due(50, 0, out);
    REQUIRE(out.size() == 2);  // the third opened 10 ms later
    b.due(60, 0, out);
    REQUIRE(out.size() == 3);
    for (const Batch& x : out)
        REQUIRE(x.events == 1);
}

TEST_CASE("Batcher: a window of 0 sends every event on its own", "[supervisor][webhooks]") {
    Batcher b(0, 100);
    std::vector<Batch> out;
    b.add("1", "u", event_json(EventKind::ChannelOccupied, "c"), 0, 0, out);
    REQUIRE(out.size() == 1);
}
