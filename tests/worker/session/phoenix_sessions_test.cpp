// SPDX-License-Identifier: MIT
// The Phoenix Channels v2 state machine against a fake transport: joins and their refusals,
// Phoenix's duplicate-join and leave answers, heartbeats, pushes (broadcast, rate limit, denied
// prefixes), presence state and diffs, delivery from the HTTP API, and bad frames.
#include "worker/session/phoenix_sessions.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

#include "tests/support/fake_transport.hpp"
#include "tests/support/flag_apps.hpp"
#include "worker/codec/phoenix_token.hpp"
#include "worker/session/pusher_sessions.hpp"

using namespace shoal;
using test::FakeTransport;

namespace {

constexpr std::int64_t kNowS = 1'700'000'000;
std::int64_t fixed_clock() {
    return kNowS;
}

struct Fixture {
    common::Config config;
    FakeTransport t;
    channel::ChannelHub hub{t, 2, 9};  // this worker is slot 2, epoch 9
    channel::AppDirectory apps{hub, test::flag_apps(config)};
    session::PhoenixSessions s{config, hub, apps, &fixed_clock};

    // The flag app copies the server's limits when built: rebuild it after changing them.
    void apply_limits() {
        apps.replace(test::flag_apps(config));
        s.apps_replaced();
    }

    std::string token(const std::string& user, std::int64_t exp = kNowS + 60,
                      const std::string& info = R"({"name":"x"})") {
        return codec::make_phoenix_token(R"({"user_id":")" + user + R"(","user_info":)" + info +
                                             R"(,"exp":)" + std::to_string(exp) + "}",
                                         config.app.secret);
    }
    void open(net::ConnId id, const std::string& tok = "") {
        s.open(id, "vsn=2.0.0" + (tok.empty() ? std::string{} : "&token=" + tok));
    }
    void send(net::ConnId id, const std::string& frame) { s.message(id, frame); }
    void join(net::ConnId id, const std::string& topic, const std::string& ref = "1") {
        send(id, R"([")" + ref + R"(",")" + ref + R"(",")" + topic + R"(","phx_join",{}])");
    }
    // The frame as parsed JSON: [join_ref, ref, topic, event, payload].
    rapidjson::Document last(net::ConnId id) { return test::parse_json(t.last_to(id)); }
    std::vector<std::string> events(net::ConnId id) {
        std::vector<std::string> out;
        for (const auto& p : t.to(id)) {
            auto d = test::parse_json(p);
            out.emplace_back(d.IsArray() ? d[3].GetString() : "<not a frame>");
        }
        return out;
    }
};

std::string status_of(const rapidjson::Document& d) {
    return d[4]["status"].GetString();
}
std::string reason_of(const rapidjson::Document& d) {
    return d[4]["response"]["reason"].GetString();
}

}  // namespace

TEST_CASE("phoenix session: a join is answered ok with the join's refs", "[session][phoenix]") {
    Fixture f;
    f.open(1);
    f.join(1, "room:a", "7");
    CHECK(f.t.last_to(1) == R"(["7","7","room:a","phx_reply",{"status":"ok","response":{}}])");
    CHECK(f.s.member_count(test::flag_topic("room:a")) == 1);
}

TEST_CASE("phoenix session: a heartbeat is answered ok on topic phoenix with a null join_ref",
          "[session][phoenix]") {
    Fixture f;
    f.open(1);
    f.send(1, R"([null,"3","phoenix","heartbeat",{}])");
    CHECK(f.t.last_to(1) == R"([null,"3","phoenix","phx_reply",{"status":"ok","response":{}}])");
}

TEST_CASE("phoenix session: a push is replied ok and broadcast to the other members only",
          "[session][phoenix]") {
    Fixture f;
    for (net::ConnId id : {1, 2, 3})
        f.open(id);
    f.join(1, "room:a");
    f.join(2, "room:a");
    f.join(3, "room:b");
    f.t.clear();
    f.send(1, R"(["1","2","room:a","shout",{"body":"hi"}])");
    CHECK(f.t.to(1) == std::vector<std::string>{
                           R"(["1","2","room:a","phx_reply",{"status":"ok","response":{}}])"});
    CHECK(f.t.to(2) == std::vector<std::string>{R"([null,null,"room:a","shout",{"body":"hi"}])"});
    CHECK(f.t.to(3).empty());
}

TEST_CASE("phoenix session: a push to a topic not joined is answered unmatched topic",
          "[session][phoenix]") {
    Fixture f;
    f.open(1);
    f.send(1, R"([null,"5","room:x","shout",{}])");
    auto d = f.last(1);
    CHECK(status_of(d) == "error");
    CHECK(reason_of(d) == "unmatched topic");
}

TEST_CASE("phoenix session: leave is replied ok, then phx_close, and the topic gets nothing more",
          "[session][phoenix]") {
    Fixture f;
    f.open(1);
    f.open(2);
    f.join(1, "room:a", "4");
    f.join(2, "room:a");
    f.t.clear();
    f.send(1, R"(["4","5","room:a","phx_leave",{}])");
    CHECK(f.t.to(1) == std::vector<std::string>{
                           R"(["4","5","room:a","phx_reply",{"status":"ok","response":{}}])",
                           R"(["4","4","room:a","phx_close",{}])"});
    f.t.clear();
    f.send(2, R"(["1","9","room:a","shout",{}])");
    CHECK(f.t.to(1).empty());
    CHECK(f.s.member_count(test::flag_topic("room:a")) == 1);
}

TEST_CASE("phoenix session: a second join of a topic closes the first join, then answers ok",
          "[session][phoenix]") {
    Fixture f;
    f.open(1);
    f.join(1, "room:a", "1");
    f.join(1, "room:a", "2");
    CHECK(f.t.to(1) == std::vector<std::string>{
                           R"(["1","1","room:a","phx_reply",{"status":"ok","response":{}}])",
                           R"(["1","1","room:a","phx_close",{}])",
                           R"(["2","2","room:a","phx_reply",{"status":"ok","response":{}}])"});
    CHECK(f.s.member_count(test::flag_topic("room:a")) == 1);
}

TEST_CASE("phoenix session: guarded topics refuse a missing, expired or forged token",
          "[session][phoenix]") {
    Fixture f;
    f.open(1);
    f.open(2, f.token("u", kNowS - 1));
    f.open(3, codec::make_phoenix_token(R"({"user_id":"u","exp":2000000000})", "wrong"));
    f.open(4, f.token("u"));
    for (net::ConnId id : {1, 2, 3}) {
        for (const char* topic : {"private:a", "presence:a", "private-a", "presence-a"}) {
            f.join(id, topic);
            auto d = f.last(id);
            CHECK(status_of(d) == "error");
            CHECK(reason_of(d) == "unauthorized");
        }
    }
    f.join(1, "#server-to-user-u");
    CHECK(reason_of(f.last(1)) == "unauthorized");
    f.join(4, "private:a");
    CHECK(status_of(f.last(4)) == "ok");
    f.join(1, "public:a");
    CHECK(status_of(f.last(1)) == "ok");
}

TEST_CASE("phoenix session: pushes beyond the per-second budget are replied rate limited",
          "[session][phoenix]") {
    Fixture f;
    f.config.limits.client_events_per_second = 2;
    f.apply_limits();
    f.open(1);
    f.join(1, "room:a");
    for (int i = 0; i < 3; ++i)
        f.send(1, R"(["1","9","room:a","shout",{}])");
    CHECK(reason_of(f.last(1)) == "rate limited");
    f.t.now += 1000;
    f.send(1, R"(["1","9","room:a","shout",{}])");
    CHECK(status_of(f.last(1)) == "ok");
}

TEST_CASE("phoenix session: a topic prefix listed in the config refuses pushes",
          "[session][phoenix]") {
    Fixture f;
    f.config.phoenix_deny_push_prefixes = {"ro:"};
    f.open(1);
    f.open(2);
    f.join(1, "ro:news");
    f.join(2, "ro:news");
    f.t.clear();
    f.send(1, R"(["1","2","ro:news","shout",{}])");
    CHECK(reason_of(f.last(1)) == "push not allowed");
    CHECK(f.t.to(2).empty());
}

TEST_CASE("phoenix session: presence sends the joiner its state and every member a diff",
          "[session][phoenix]") {
    Fixture f;
    f.open(1, f.token("ann", kNowS + 60, R"({"n":1})"));
    f.open(2, f.token("bob", kNowS + 60, R"({"n":2})"));
    f.join(1, "presence:r", "1");
    f.t.clear();
    f.join(2, "presence:r", "3");
    // The diff may come first: phoenix.js holds diffs until the state arrives.
    CHECK(f.events(2) == std::vector<std::string>{"phx_reply", "presence_diff", "presence_state"});
    auto state = test::parse_json(f.t.to(2)[2]);
    CHECK(std::string(state[0].GetString()) == "3");
    CHECK(state[1].IsNull());
    CHECK(state[4]["ann"]["metas"].Size() == 1);
    CHECK(std::string(state[4]["ann"]["metas"][0]["phx_ref"].GetString()) == "F2.9.1");
    CHECK(state[4]["ann"]["metas"][0]["n"].GetInt() == 1);
    CHECK(state[4]["bob"]["metas"][0]["n"].GetInt() == 2);
    CHECK(
        f.t.to(1) ==
        std::vector<std::string>{
            R"([null,null,"presence:r","presence_diff",{"joins":{"bob":{"metas":[{"phx_ref":"F2.9.2","n":2}]}},"leaves":{}}])"});

    f.t.clear();
    f.s.closed(2);
    CHECK(
        f.t.to(1) ==
        std::vector<std::string>{
            R"([null,null,"presence:r","presence_diff",{"joins":{},"leaves":{"bob":{"metas":[{"phx_ref":"F2.9.2","n":2}]}}}])"});
}

TEST_CASE("phoenix session: one user on two connections has one meta per connection",
          "[session][phoenix]") {
    Fixture f;
    f.open(1, f.token("ann"));
    f.open(2, f.token("ann"));
    f.join(1, "presence:r");
    f.join(2, "presence:r");
    auto state = test::parse_json(f.t.to(2)[2]);
    REQUIRE(state[4]["ann"]["metas"].Size() == 2);  // (the state follows reply and diff)
    f.t.clear();
    f.s.closed(1);
    auto diff = test::parse_json(f.t.last_to(2));
    CHECK(std::string(diff[4]["leaves"]["ann"]["metas"][0]["phx_ref"].GetString()) == "F2.9.1");
}

TEST_CASE(
    "phoenix session: an HTTP API event embeds its data as JSON when it is JSON, else a string",
    "[session][phoenix]") {
    Fixture f;
    f.open(1);
    f.join(1, "news");
    f.t.clear();
    CHECK(f.hub.publish_event({test::flag_topic("news"), "flash", R"({"msg":"hello"})", {}, false},
                              {}) == 1);
    CHECK(f.hub.publish_event({test::flag_topic("news"), "flash", "plain text", {}, false}, {}) ==
          1);
    CHECK(f.hub.publish_event({test::flag_topic("nobody"), "flash", "{}", {}, false}, {}) == 0);
    CHECK(f.t.to(1) == std::vector<std::string>{R"([null,null,"news","flash",{"msg":"hello"}])",
                                                R"([null,null,"news","flash","plain text"])"});
}

TEST_CASE("phoenix session: a frame that is not a Phoenix message closes only that socket",
          "[session][phoenix]") {
    Fixture f;
    f.open(1);
    f.open(2);
    f.send(1, "not json");
    f.send(2, R"({"topic":"x"})");
    CHECK(f.t.was_closed(1, 1003));
    CHECK(f.t.was_closed(2, 1003));
    f.t.clear();
    f.send(1, R"([null,"3","phoenix","heartbeat",{}])");
    CHECK(f.t.sent.empty());  // told to close: what it still sends is ignored
}

TEST_CASE("phoenix session: a push whose escapes decode to invalid UTF-8 closes only its socket",
          "[session][phoenix]") {
    Fixture f;
    for (net::ConnId id : {1, 2, 3})
        f.open(id);
    for (net::ConnId id : {1, 2, 3})
        f.join(id, "room:a");
    f.t.clear();
    f.send(1, R"(["1","2","room:a","shout",{"body":"\udc00"}])");
    CHECK(f.t.was_closed(1, 1003));
    CHECK(f.t.to(2).empty());
    CHECK(f.t.to(3).empty());
    f.send(2, R"(["1","3","room:a","shout",{"body":"ok"}])");
    CHECK(f.t.to(3) == std::vector<std::string>{R"([null,null,"room:a","shout",{"body":"ok"}])"});
    CHECK_FALSE(f.t.was_closed(2, 1003));
}

TEST_CASE("phoenix session: closing a connection removes it from every topic",
          "[session][phoenix]") {
    Fixture f;
    f.open(1);
    f.join(1, "a:1");
    f.join(1, "a:2");
    f.s.closed(1);
    CHECK(f.s.member_count(test::flag_topic("a:1")) == 0);
    CHECK(f.s.member_count(test::flag_topic("a:2")) == 0);
    CHECK(f.s.connection_count() == 0);
}

TEST_CASE("phoenix session: members on other workers appear in the state and in diffs",
          "[session][phoenix]") {
    Fixture f;
    f.hub.remote_join(1, 4, 77, test::flag_topic("presence:r"), "zed", R"({"n":9})");
    f.open(1, f.token("ann"));
    f.join(1, "presence:r");
    auto state = test::parse_json(f.t.to(1)[2]);
    REQUIRE(state[4].HasMember("zed"));
    CHECK(std::string(state[4]["zed"]["metas"][0]["phx_ref"].GetString()) == "F1.4.77");
    f.t.clear();
    f.hub.remote_join(3, 1, 5, test::flag_topic("presence:r"), "zed", R"({"n":9})");
    auto diff = test::parse_json(f.t.last_to(1));
    CHECK(std::string(diff[3].GetString()) == "presence_diff");
    CHECK(std::string(diff[4]["joins"]["zed"]["metas"][0]["phx_ref"].GetString()) == "F3.1.5");
    f.t.clear();
    f.hub.remote_leave(3, 1, 5, test::flag_topic("presence:r"), "zed");
    diff = test::parse_json(f.t.last_to(1));
    CHECK(std::string(diff[4]["leaves"]["zed"]["metas"][0]["phx_ref"].GetString()) == "F3.1.5");
}

TEST_CASE("phoenix session: a dead worker's members leave with one diff per connection",
          "[session][phoenix]") {
    Fixture f;
    f.hub.remote_join(1, 4, 77, test::flag_topic("presence:r"), "zed", "{}");
    f.hub.remote_join(1, 4, 78, test::flag_topic("presence:r"), "zed", "{}");
    f.open(1, f.token("ann"));
    f.join(1, "presence:r");
    f.t.clear();
    f.hub.drop_slot(1, 4);
    std::vector<std::string> refs;
    for (const auto& p : f.t.to(1)) {
        auto d = test::parse_json(p);
        REQUIRE(std::string(d[3].GetString()) == "presence_diff");
        refs.emplace_back(d[4]["leaves"]["zed"]["metas"][0]["phx_ref"].GetString());
    }
    std::sort(refs.begin(), refs.end());
    CHECK(refs == std::vector<std::string>{"F1.4.77", "F1.4.78"});
}

TEST_CASE("phoenix session: a push reaches Pusher subscribers of a public name as an event",
          "[session][phoenix]") {
    Fixture f;
    session::PusherSessions pusher{f.config, f.hub, f.apps,
                                   42};  // the Pusher module encodes its frame
    f.hub.subscribe(test::flag_topic("news"), 50, session::kPusherProtocol);
    f.hub.subscribe(test::flag_topic("private-x"), 51, session::kPusherProtocol);
    f.open(1, f.token("ann"));
    f.join(1, "news");
    f.join(1, "private-x");
    f.t.clear();
    f.send(1, R"(["1","2","news","shout",{"a":1}])");
    f.send(1, R"(["1","3","private-x","shout",{"a":1}])");
    auto d = test::parse_json(f.t.last_to(50));
    CHECK(std::string(d["event"].GetString()) == "shout");
    CHECK(std::string(d["channel"].GetString()) == "news");
    CHECK(std::string(d["data"].GetString()) == R"({"a":1})");
    CHECK(f.t.to(51).empty());
}

TEST_CASE("phoenix session: a reconciled worker's unannounced connections leave with a diff",
          "[session][phoenix]") {
    Fixture f;
    f.hub.remote_join(1, 4, 77, test::flag_topic("presence:r"), "zed", "{}");
    f.hub.remote_join(1, 4, 78, test::flag_topic("presence:r"), "amy", "{}");
    f.open(1, f.token("ann"));
    f.join(1, "presence:r");
    f.t.clear();
    f.hub.begin_reconcile(1);
    f.hub.remote_join(1, 4, 77, test::flag_topic("presence:r"), "zed",
                      "{}");  // re-announced: stays
    f.hub.end_reconcile(1);
    REQUIRE(f.t.to(1).size() == 1);
    auto diff = test::parse_json(f.t.to(1)[0]);
    CHECK(std::string(diff[4]["leaves"]["amy"]["metas"][0]["phx_ref"].GetString()) == "F1.4.78");
}

TEST_CASE("phoenix session: terminating a user closes that user's sockets only",
          "[session][phoenix]") {
    Fixture f;
    f.open(1, f.token("ann"));
    f.open(2, f.token("ann"));
    f.open(3, f.token("bob"));
    f.open(4);
    CHECK(f.hub.terminate_user(test::flag_topic("ann")) == 2);
    CHECK(f.t.was_closed(1, 1008));
    CHECK(f.t.was_closed(2, 1008));
    CHECK(f.t.closed.size() == 2);
}
