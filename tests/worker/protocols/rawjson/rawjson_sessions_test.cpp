// SPDX-License-Identifier: MIT
// test-links: shoal_proto_rawjson shoal_session
// The third protocol on the shared channel core, in-process: it is registered by constructing it
// on the hub (one line), and events cross between it and Pusher and Phoenix both ways.
#include "worker/protocols/rawjson/rawjson_sessions.hpp"

#include <catch2/catch.hpp>

#include "common/config.hpp"
#include "tests/support/fake_transport.hpp"
#include "tests/support/flag_apps.hpp"
#include "worker/session/phoenix_sessions.hpp"
#include "worker/session/pusher_sessions.hpp"

using namespace shoal;

namespace {

std::int64_t fixed_clock() {
    return 1'700'000'000;
}

struct Fixture {
    common::Config config;
    test::FakeTransport t;
    channel::ChannelHub hub{t, 0, 1};
    channel::AppDirectory apps{hub, test::flag_apps(config)};
    session::PusherSessions pusher{config, hub, apps, 77};
    session::PhoenixSessions phoenix{config, hub, apps, &fixed_clock};
    rawjson::RawJsonSessions raw{hub, config.app.id};

    void open_raw(net::ConnId id) { raw.on_open(id, net::HttpRequest{}); }
    void send_raw(net::ConnId id, std::string_view text) { raw.on_text(id, text); }
};

}  // namespace

TEST_CASE("rawjson: subscribe is answered and a server trigger reaches the subscriber",
          "[worker][rawjson]") {
    Fixture f;
    f.open_raw(1);
    f.send_raw(1, R"({"op":"subscribe","topic":"room"})");
    CHECK(f.t.last_to(1) == R"({"op":"subscribed","topic":"room"})");
    CHECK(f.hub.subscription_count(test::flag_topic("room")) == 1);

    CHECK(f.pusher.trigger(f.pusher.apps().default_app(), "room", "news", R"({"n":1})", {}) == 1);
    CHECK(f.t.last_to(1) == R"({"op":"event","topic":"room","event":"news","data":{"n":1}})");
    CHECK(f.pusher.trigger(f.pusher.apps().default_app(), "room", "plain", "hi", {}) == 1);
    CHECK(f.t.last_to(1) == R"({"op":"event","topic":"room","event":"plain","data":"hi"})");
}

TEST_CASE(
    "rawjson: a publish reaches Pusher and Phoenix subscribers of a public topic, "
    "not the publisher",
    "[worker][rawjson]") {
    Fixture f;
    f.open_raw(1);
    f.open_raw(2);
    f.send_raw(1, R"({"op":"subscribe","topic":"room"})");
    f.send_raw(2, R"({"op":"subscribe","topic":"room"})");
    f.hub.subscribe(test::flag_topic("room"), 50, session::kPusherProtocol);
    f.hub.subscribe(test::flag_topic("room"), 60, session::kPhoenixProtocol);
    f.t.clear();

    f.send_raw(1, R"({"op":"publish","topic":"room","event":"say","data":{"t":"hey"}})");
    CHECK(f.t.to(1).empty());
    CHECK(f.t.last_to(2) == R"({"op":"event","topic":"room","event":"say","data":{"t":"hey"}})");
    auto p = test::parse_json(f.t.last_to(50));
    CHECK(std::string(p["event"].GetString()) == "say");
    CHECK(std::string(p["data"].GetString()) == R"({"t":"hey"})");
    auto x = test::parse_json(f.t.last_to(60));
    REQUIRE(x.IsArray());
    CHECK(std::string(x[3].GetString()) == "say");
    CHECK(std::string(x[4]["t"].GetString()) == "hey");
}

TEST_CASE("rawjson: guarded and reserved topics are refused; bad messages get an error",
          "[worker][rawjson]") {
    Fixture f;
    f.open_raw(1);
    for (auto topic : {"private-x", "presence-x", "private:x", "#server-to-user-1"}) {
        f.send_raw(1, std::string(R"({"op":"subscribe","topic":")") + topic + "\"}");
        CHECK(f.t.last_to(1) == R"({"op":"error","reason":"topic not allowed"})");
        CHECK(f.hub.subscription_count(topic) == 0);
    }
    f.send_raw(1, "not json");
    CHECK(f.t.last_to(1) == R"({"op":"error","reason":"bad message"})");
    f.send_raw(1, R"({"op":"publish","topic":"room","event":"e","data":1})");
    CHECK(f.t.last_to(1) == R"({"op":"error","reason":"not subscribed"})");
    f.send_raw(1, std::string(20'000, ' '));
    CHECK(f.t.was_closed(1, 1009));
}

TEST_CASE("rawjson: a guarded topic's events never reach it, and closing unsubscribes",
          "[worker][rawjson]") {
    Fixture f;
    channel::Event secret{"private-x", "e", "{}", {}, false};
    CHECK_FALSE(f.raw.encode_event(secret));
    f.open_raw(1);
    f.send_raw(1, R"({"op":"subscribe","topic":"room"})");
    f.raw.on_close(1);
    CHECK(f.hub.subscription_count(test::flag_topic("room")) == 0);
    CHECK(f.raw.connection_count() == 0);
}
