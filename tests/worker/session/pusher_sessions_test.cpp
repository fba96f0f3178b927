// SPDX-License-Identifier: MIT
// The Pusher protocol state machine against a fake transport: connection setup, subscriptions,
// presence, client events, signin and their error answers.
#include "worker/session/pusher_sessions.hpp"

#include <catch2/catch.hpp>

#include "tests/support/fake_transport.hpp"
#include "tests/support/flag_apps.hpp"
#include "worker/codec/pusher_signature.hpp"

using namespace shoal;
using test::FakeTransport;

namespace {

constexpr std::uint32_t kPrefix = 777;

struct Fixture {
    common::Config config;
    FakeTransport t;
    channel::ChannelHub hub{t};
    channel::AppDirectory apps{hub, test::flag_apps(config)};
    session::PusherSessions s{config, hub, apps, kPrefix};

    // The flag app copies the server's limits when built: rebuild it after changing them.
    void apply_limits() {
        apps.replace(test::flag_apps(config));
        s.apps_replaced();
    }

    std::string socket_id(net::ConnId id) { return "777." + std::to_string(id); }
    void connect(net::ConnId id) {
        s.open(id, config.app.key, "protocol=7&client=js&version=8.4.0");
    }
    void subscribe(net::ConnId id, const std::string& ch, const std::string& channel_data = "") {
        std::string auth;
        if (!ch.starts_with("presence-") && !ch.starts_with("private-")) {
            s.message(id, R"({"event":"pusher:subscribe","data":{"channel":")" + ch + R"("}})");
            return;
        }
        auth =
            codec::sign_channel(config.app.key, config.app.secret, socket_id(id), ch, channel_data);
        std::string cd;
        if (!channel_data.empty()) {
            cd = ",\"channel_data\":";
            codec::append_json_string(cd, channel_data);
        }
        s.message(id, R"({"event":"pusher:subscribe","data":{"channel":")" + ch + R"(","auth":")" +
                          auth + "\"" + cd + "}}");
    }
    void join(net::ConnId id, const std::string& ch, const std::string& user) {
        subscribe(id, ch,
                  R"({"user_id":")" + user + R"(","user_info":{"name":")" + user + R"("}})");
    }
};

}  // namespace

TEST_CASE("pusher session: a client gets connection_established with an N.N socket id",
          "[session][pusher]") {
    Fixture f;
    f.connect(5);
    auto d = test::parse_json(f.t.last_to(5));
    CHECK(std::string(d["event"].GetString()) == "pusher:connection_established");
    auto inner = test::parse_json(d["data"].GetString());
    CHECK(std::string(inner["socket_id"].GetString()) == "777.5");
    CHECK(inner["activity_timeout"].GetInt() == 120);
    CHECK(f.s.conn_of_socket("777.5") == 5);
    CHECK(f.s.conn_of_socket("778.5") == 0);
    CHECK(f.s.conn_of_socket("777.6") == 0);
}

TEST_CASE("pusher session: a bad key or protocol gets its pusher:error and a close",
          "[session][pusher]") {
    Fixture f;
    f.s.open(1, "wrong-key", "protocol=7");
    CHECK(f.t.was_closed(1, 4001));
    f.s.open(2, f.config.app.key, "client=js");
    CHECK(f.t.was_closed(2, 4008));
    f.s.open(3, f.config.app.key, "protocol=4");
    CHECK(f.t.was_closed(3, 4007));
    f.s.open(4, f.config.app.key, "protocol=seven");
    CHECK(f.t.was_closed(4, 4006));
    auto err = test::parse_json(f.t.to(1).back());
    CHECK(std::string(err["event"].GetString()) == "pusher:error");
    CHECK(err["data"]["code"].GetInt() == 4001);
    f.s.message(1, R"({"event":"pusher:ping"})");  // a closing connection is ignored
    CHECK(f.t.events_to(1).size() == 1);
}

TEST_CASE("pusher session: ping gets pong, idle gets a server ping, junk gets pusher:error",
          "[session][pusher]") {
    Fixture f;
    f.connect(1);
    f.s.message(1, R"({"event":"pusher:ping","data":{}})");
    CHECK(f.t.events_to(1).back() == "pusher:pong");
    f.s.idle(1);
    CHECK(f.t.events_to(1).back() == "pusher:ping");
    f.s.message(1, "not json");
    auto e = test::parse_json(f.t.last_to(1));
    CHECK(e["data"]["code"].GetInt() == 4300);
    CHECK(f.t.closed.empty());
}

TEST_CASE("pusher session: public channels subscribe freely; bad names and bad auth fail",
          "[session][pusher]") {
    Fixture f;
    f.connect(1);
    f.subscribe(1, "news");
    CHECK(f.t.events_to(1).back() == "pusher_internal:subscription_succeeded");
    f.subscribe(1, "bad name");
    auto bad = test::parse_json(f.t.last_to(1));
    CHECK(std::string(bad["event"].GetString()) == "pusher:subscription_error");
    f.subscribe(1, "private-ok");
    CHECK(f.t.events_to(1).back() == "pusher_internal:subscription_succeeded");
    f.s.message(
        1, R"({"event":"pusher:subscribe","data":{"channel":"private-x","auth":"app-key:00"}})");
    auto auth = test::parse_json(f.t.last_to(1));
    CHECK(std::string(auth["event"].GetString()) == "pusher:subscription_error");
    CHECK(std::string(auth["data"]["type"].GetString()) == "AuthError");
    CHECK(auth["data"]["status"].GetInt() == 401);
    CHECK(f.s.channel_info(f.s.apps().default_app(), "private-x").subscription_count == 0);
    CHECK(f.s.channel_info(f.s.apps().default_app(), "private-ok").subscription_count == 1);
}

TEST_CASE("pusher session: the channel limit per connection is enforced", "[session][pusher]") {
    Fixture f;
    f.config.limits.max_channels_per_connection = 2;
    f.connect(1);
    f.subscribe(1, "a");
    f.subscribe(1, "b");
    f.subscribe(1, "c");
    auto e = test::parse_json(f.t.last_to(1));
    CHECK(std::string(e["data"]["type"].GetString()) == "LimitReached");
    CHECK(f.s.channel_info(f.s.apps().default_app(), "c").subscription_count == 0);
}

TEST_CASE(
    "pusher session: a trigger reaches every subscriber with one shared frame, except the "
    "excluded socket",
    "[session][pusher]") {
    Fixture f;
    for (net::ConnId c = 1; c <= 3; ++c) {
        f.connect(c);
        f.subscribe(c, "news");
    }
    f.t.clear();
    CHECK(f.s.trigger(f.s.apps().default_app(), "news", "update", R"({"v":1})", "777.2") == 2);
    REQUIRE(f.t.sent.size() == 2);
    CHECK(f.t.sent[0].frame->payload().data() == f.t.sent[1].frame->payload().data());
    auto d = test::parse_json(f.t.last_to(1));
    CHECK(std::string(d["data"].GetString()) == R"({"v":1})");
    CHECK(f.t.to(2).empty());
}

TEST_CASE("pusher session: presence announces a user once however many connections it has",
          "[session][pusher]") {
    Fixture f;
    for (net::ConnId c = 1; c <= 3; ++c)
        f.connect(c);
    f.join(1, "presence-room", "ann");
    auto ok = test::parse_json(f.t.last_to(1));
    auto p = test::parse_json(ok["data"].GetString());
    CHECK(p["presence"]["count"].GetInt() == 1);
    f.join(2, "presence-room", "bob");
    CHECK(f.t.events_to(1).back() == "pusher_internal:member_added");
    auto p2 = test::parse_json(test::parse_json(f.t.last_to(2))["data"].GetString());
    CHECK(p2["presence"]["count"].GetInt() == 2);
    CHECK(std::string(p2["presence"]["hash"]["ann"]["name"].GetString()) == "ann");

    std::size_t before = f.t.to(1).size();
    f.join(3, "presence-room", "bob");  // bob's second connection: nobody is told
    CHECK(f.t.to(1).size() == before);
    CHECK(f.s.channel_info(f.s.apps().default_app(), "presence-room").user_count == 2);
    CHECK(f.s.channel_info(f.s.apps().default_app(), "presence-room").subscription_count == 3);

    f.s.closed(2);
    CHECK(f.t.to(1).size() == before);  // bob still has connection 3
    f.s.message(3, R"({"event":"pusher:unsubscribe","data":{"channel":"presence-room"}})");
    CHECK(f.t.events_to(1).back() == "pusher_internal:member_removed");
    CHECK(f.s.channel_info(f.s.apps().default_app(), "presence-room").user_count == 1);
}

TEST_CASE("pusher session: presence limits members and user info size", "[session][pusher]") {
    Fixture f;
    f.config.limits.max_presence_members = 1;
    f.config.limits.max_presence_user_info_bytes = 32;
    f.apply_limits();
    f.connect(1);
    f.connect(2);
    f.join(1, "presence-r", "ann");
    f.join(2, "presence-r", "bob");
    CHECK(f.t.events_to(2).back() == "pusher:subscription_error");
    f.join(2, "presence-r", "ann");  // the same user again is no new member
    CHECK(f.t.events_to(2).back() == "pusher_internal:subscription_succeeded");
    f.subscribe(2, "presence-s",
                R"({"user_id":"x","user_info":{"bio":")" + std::string(40, 'z') + "\"}}");
    CHECK(f.t.events_to(2).back() == "pusher:subscription_error");
}

TEST_CASE("pusher session: client events go to the others only, with user_id on presence",
          "[session][pusher]") {
    Fixture f;
    for (net::ConnId c = 1; c <= 2; ++c) {
        f.connect(c);
        f.join(c, "presence-game", c == 1 ? "ann" : "bob");
        f.subscribe(c, "news");
    }
    f.t.clear();
    f.s.message(1, R"({"event":"client-move","channel":"presence-game","data":{"x":3}})");
    CHECK(f.t.to(1).empty());
    auto d = test::parse_json(f.t.last_to(2));
    CHECK(std::string(d["event"].GetString()) == "client-move");
    CHECK(d["data"]["x"].GetInt() == 3);
    CHECK(std::string(d["user_id"].GetString()) == "ann");

    f.t.clear();
    f.s.message(1, R"({"event":"client-move","channel":"news","data":{}})");
    CHECK(f.t.to(2).empty());
    CHECK(test::parse_json(f.t.last_to(1))["data"]["code"].GetInt() == 4303);
    f.s.message(1, R"({"event":"client-move","channel":"private-never","data":{}})");
    CHECK(test::parse_json(f.t.last_to(1))["data"]["code"].GetInt() == 4303);
}

TEST_CASE("pusher session: a client event whose escapes decode to invalid UTF-8 is refused",
          "[session][pusher]") {
    Fixture f;
    for (net::ConnId c = 1; c <= 3; ++c) {
        f.connect(c);
        f.join(c, "presence-game", "u" + std::to_string(c));
    }
    f.t.clear();
    // A lone low surrogate: RapidJSON would decode it into ED B0 80, which is not UTF-8.
    f.s.message(1, R"({"event":"client-move","channel":"presence-game","data":{"x":"\udc00"}})");
    f.s.message(1, R"({"event":"client-\uDFFF","channel":"presence-game","data":{}})");
    f.s.message(1, R"({"event":"client-move","channel":"presence-game","data":"a\ud800"})");
    CHECK(f.t.events_to(1) ==
          std::vector<std::string>{"pusher:error", "pusher:error", "pusher:error"});
    CHECK(f.t.to(2).empty());
    CHECK(f.t.to(3).empty());
    // The sender and the others stay connected; a pair of surrogates is a valid code point.
    f.t.clear();
    f.s.message(1, R"({"event":"client-move","channel":"presence-game","data":"\ud83d\ude00"})");
    CHECK(f.t.events_to(2) == std::vector<std::string>{"client-move"});
    CHECK(f.t.events_to(3) == std::vector<std::string>{"client-move"});
    CHECK(std::string(test::parse_json(f.t.last_to(2))["data"].GetString()) == "\xF0\x9F\x98\x80");
}

TEST_CASE("pusher session: over 10 client events a second get pusher:error 4301",
          "[session][pusher]") {
    Fixture f;
    f.connect(1);
    f.connect(2);
    f.subscribe(1, "private-a");
    f.subscribe(2, "private-a");
    f.t.clear();
    for (int i = 0; i < 12; ++i)
        f.s.message(1, R"({"event":"client-x","channel":"private-a","data":{}})");
    CHECK(f.t.to(2).size() == 10);
    CHECK(test::parse_json(f.t.last_to(1))["data"]["code"].GetInt() == 4301);
    f.t.now += 1000;
    f.s.message(1, R"({"event":"client-x","channel":"private-a","data":{}})");
    CHECK(f.t.to(2).size() == 11);
    CHECK(f.t.closed.empty());
}

TEST_CASE("pusher session: client event data over the limit gets pusher:error 4302",
          "[session][pusher]") {
    Fixture f;
    f.config.limits.max_event_bytes = 16;
    f.apply_limits();
    f.connect(1);
    f.connect(2);
    f.subscribe(1, "private-a");
    f.subscribe(2, "private-a");
    f.t.clear();
    f.s.message(
        1, R"({"event":"client-x","channel":"private-a","data":")" + std::string(20, 'a') + "\"}");
    CHECK(f.t.to(2).empty());
    CHECK(test::parse_json(f.t.last_to(1))["data"]["code"].GetInt() == 4302);
}

TEST_CASE("pusher session: signin joins the user's channel; a bad signature closes with 4009",
          "[session][pusher]") {
    Fixture f;
    f.connect(1);
    f.connect(2);
    std::string user = R"({"id":"42","name":"Ann"})";
    std::string auth = codec::sign_user(f.config.app.key, f.config.app.secret, "777.1", user);
    std::string msg = R"({"event":"pusher:signin","data":{"auth":")" + auth + R"(","user_data":)";
    codec::append_json_string(msg, user);
    msg += "}}";
    f.s.message(1, msg);
    auto ok = test::parse_json(f.t.last_to(1));
    CHECK(std::string(ok["event"].GetString()) == "pusher:signin_success");
    CHECK(std::string(ok["data"]["user_data"].GetString()) == user);
    CHECK(f.s.trigger(f.s.apps().default_app(), "#server-to-user-42", "hello", "{}", "") == 1);
    CHECK(f.t.events_to(1).back() == "hello");
    f.subscribe(1, "#server-to-user-42");  // what pusher-js sends after signin_success
    CHECK(f.t.events_to(1).back() == "pusher_internal:subscription_succeeded");
    f.subscribe(2, "#server-to-user-42");  // another connection may not listen in
    CHECK(f.t.events_to(2).back() == "pusher:subscription_error");

    f.s.message(2, msg);  // signed for socket 777.1, not 777.2
    CHECK(f.t.was_closed(2, 4009));

    CHECK(f.s.terminate_user(f.s.apps().default_app(), "42") == 1);
    CHECK(f.t.was_closed(1, 4009));
    f.s.closed(1);
    CHECK(f.s.terminate_user(f.s.apps().default_app(), "42") == 0);
}

TEST_CASE("pusher session: a closed connection leaves every channel", "[session][pusher]") {
    Fixture f;
    f.connect(1);
    f.subscribe(1, "news");
    f.subscribe(1, "private-a");
    f.s.closed(1);
    CHECK(f.s.channel_info(f.s.apps().default_app(), "news").subscription_count == 0);
    CHECK(f.s.channel_info(f.s.apps().default_app(), "private-a").subscription_count == 0);
    CHECK(f.s.connection_count() == 0);
    f.s.message(1, R"({"event":"pusher:ping"})");  // unknown id: ignored
    CHECK(f.t.events_to(1).back() != "pusher:pong");
}

TEST_CASE(
    "pusher session: random traffic from many connections leaves nothing behind once all "
    "close",
    "[session][pusher]") {
    Fixture f;
    f.config.limits.client_events_per_second = 1000;
    f.apply_limits();
    std::uint32_t x = 42;
    auto rnd = [&](std::uint32_t n) {
        x = x * 1664525u + 1013904223u;
        return (x >> 8) % n;
    };
    const char* channels[] = {"news", "private-a", "presence-a", "presence-b", "bad name"};
    for (net::ConnId c = 1; c <= 20; ++c)
        f.connect(c);
    for (int step = 0; step < 3000; ++step) {
        net::ConnId c = 1 + rnd(20);
        std::string ch = channels[rnd(5)];
        switch (rnd(6)) {
            case 0:
                f.join(c, ch, "user" + std::to_string(rnd(4)));
                break;
            case 1:
                f.subscribe(c, ch);
                break;
            case 2:
                f.s.message(c,
                            R"({"event":"pusher:unsubscribe","data":{"channel":")" + ch + "\"}}");
                break;
            case 3:
                f.s.message(c, R"({"event":"client-x","channel":")" + ch + R"(","data":{"s":1}})");
                break;
            case 4:
                f.s.trigger(f.s.apps().default_app(), ch, "e", "d", "");
                break;
            case 5:
                f.s.closed(c);
                f.connect(c);
                break;
        }
        f.t.clear();
    }
    for (net::ConnId c = 1; c <= 20; ++c)
        f.s.closed(c);
    CHECK(f.s.connection_count() == 0);
    for (const char* ch : channels) {
        CHECK(f.s.channel_info(f.s.apps().default_app(), ch).subscription_count == 0);
        CHECK(f.s.channel_info(f.s.apps().default_app(), ch).user_count == 0);
    }
}

TEST_CASE(
    "pusher session: a cache channel subscriber gets the last event right after "
    "subscription_succeeded, the same shared frame the subscribers got",
    "[session][pusher][cache]") {
    Fixture f;
    f.connect(1);
    f.subscribe(1, "cache-scores");
    f.t.clear();
    f.s.trigger(f.s.apps().default_app(), "cache-scores", "goal", "{\"home\":1}", "");
    REQUIRE(f.t.sent.size() == 1);
    const net::SharedFrame* published = f.t.sent[0].frame.operator->();
    f.s.trigger(f.s.apps().default_app(), "news", "ignored", "{}",
                "");  // a non-cache channel leaves the cache alone

    f.connect(2);
    f.t.clear();
    f.subscribe(2, "cache-scores");
    REQUIRE(f.t.events_to(2) ==
            std::vector<std::string>{"pusher_internal:subscription_succeeded", "goal"});
    CHECK(f.t.sent[1].frame.operator->() == published);
    auto d = test::parse_json(f.t.last_to(2));
    CHECK(std::string(d["channel"].GetString()) == "cache-scores");
    CHECK(std::string(d["data"].GetString()) == "{\"home\":1}");
    CHECK(f.t.to(1).empty());  // the old subscriber hears nothing again
}

TEST_CASE("pusher session: a cache channel with no event answers pusher:cache_miss",
          "[session][pusher][cache]") {
    Fixture f;
    f.connect(1);
    f.t.clear();
    f.subscribe(1, "cache-empty");
    f.subscribe(1, "news");
    REQUIRE(f.t.events_to(1) == std::vector<std::string>{"pusher_internal:subscription_succeeded",
                                                         "pusher:cache_miss",
                                                         "pusher_internal:subscription_succeeded"});
    CHECK(f.t.to(1)[1] == R"({"event":"pusher:cache_miss","channel":"cache-empty"})");
}

TEST_CASE("pusher session: a cached event older than the TTL is a cache_miss",
          "[session][pusher][cache]") {
    Fixture f;
    f.s.trigger(f.s.apps().default_app(), "cache-x", "e", "1",
                "");  // nobody subscribed: kept all the same
    f.t.now += std::uint64_t{f.config.limits.cache_ttl_s} * 1000;
    f.connect(1);
    f.t.clear();
    f.subscribe(1, "cache-x");
    CHECK(f.t.events_to(1).back() == "e");
    f.t.now += 1;
    f.connect(2);
    f.t.clear();
    f.subscribe(2, "cache-x");
    CHECK(f.t.events_to(2).back() == "pusher:cache_miss");
}

TEST_CASE("pusher session: client events on private and presence cache channels are cached",
          "[session][pusher][cache]") {
    Fixture f;
    f.connect(1);
    f.subscribe(1, "private-cache-room");
    f.join(1, "presence-cache-room", "ann");
    f.s.message(1, R"({"event":"client-typing","channel":"private-cache-room","data":{"n":1}})");
    f.s.message(1, R"({"event":"client-here","channel":"presence-cache-room","data":{"n":2}})");
    f.connect(2);
    f.t.clear();
    f.subscribe(2, "private-cache-room");
    f.join(2, "presence-cache-room", "bob");
    auto ev = f.t.events_to(2);
    REQUIRE(ev.size() == 4);
    CHECK(ev[0] == "pusher_internal:subscription_succeeded");
    CHECK(ev[1] == "client-typing");
    CHECK(ev[2] == "pusher_internal:subscription_succeeded");
    CHECK(ev[3] == "client-here");
    CHECK(test::parse_json(f.t.to(2)[3])["user_id"].GetString() == std::string("ann"));
}
