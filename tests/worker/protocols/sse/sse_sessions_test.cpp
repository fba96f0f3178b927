// SPDX-License-Identifier: MIT
// test-links: shoal_proto_sse
// SseSessions over a fake transport: refusals answered at once, a publish encoded once and the
// same frame handed to every stream (no copy per subscriber), other protocols' client events
// by topic, and a stream's subscriptions and presence dropped when its client goes.
#include "worker/protocols/sse/sse_sessions.hpp"

#include <catch2/catch.hpp>

#include "tests/support/fake_transport.hpp"
#include "tests/support/flag_apps.hpp"
#include "worker/codec/pusher_signature.hpp"

using namespace shoal;
using test::FakeTransport;

namespace {

struct Fixture {
    common::Config config;
    FakeTransport t;
    channel::ChannelHub hub{t, 1, 4};
    channel::AppDirectory apps{hub, test::flag_apps(config)};
    sse::SseSessions s{hub, config, apps};

    net::Reply request(net::ConnId id, std::string_view key, std::string_view query,
                       net::HttpResponse& out) {
        net::HttpRequest r;
        r.method = "GET";
        r.path = "/app/x/sse";
        r.query = query;
        net::RouteParams p;
        p.names[0] = "key";
        p.values[0] = key;
        p.count = 1;
        return s.on_request(id, r, p, out);
    }
    net::Reply open(net::ConnId id, std::string_view query) {
        net::HttpResponse out;
        return request(id, config.app.key, query, out);
    }
};

}  // namespace

TEST_CASE("sse: refusals are answered at once with their status") {
    Fixture f;
    net::HttpResponse out;
    CHECK(f.request(1, "other-key", "channel=a", out) == net::Reply::Now);
    CHECK(out.status == 404);
    CHECK(f.request(2, f.config.app.key, "", out) == net::Reply::Now);
    CHECK(out.status == 400);
    CHECK(f.request(3, f.config.app.key, "channel=private-a", out) == net::Reply::Now);
    CHECK(out.status == 401);
    const std::string auth =
        codec::sign_channel(f.config.app.key, f.config.app.secret, "1.2", "private-a", "");
    CHECK(f.request(4, f.config.app.key, "socket_id=1.2&channel=private-a&auth=" + auth, out) ==
          net::Reply::Streaming);
    CHECK(f.s.stream_count() == 1);
}

TEST_CASE("sse: one publish is one frame, shared by every stream") {
    Fixture f;
    REQUIRE(f.open(10, "channel=news") == net::Reply::Streaming);
    REQUIRE(f.open(11, "channel=news&channel=other") == net::Reply::Streaming);
    f.t.sent.clear();
    CHECK(f.hub.publish_event({test::flag_topic("news"), "flash", "hi", {}, false}, {}) == 2);
    REQUIRE(f.t.sent.size() == 2);
    CHECK(&*f.t.sent[0].frame == &*f.t.sent[1].frame);  // the same bytes, by reference
    const std::string_view wire = f.t.sent[0].frame->wire();
    CHECK(wire.find(
              "event: flash\ndata: {\"channel\":\"news\",\"event\":\"flash\",\"data\":\"hi\"}") !=
          std::string_view::npos);
    CHECK(sse::event_id_of(wire) % 64 == 1);  // the slot in the low bits
}

TEST_CASE("sse: client events of other protocols reach public and Pusher-guarded topics only") {
    Fixture f;
    const std::string auth =
        codec::sign_channel(f.config.app.key, f.config.app.secret, "1.2", "private:room", "");
    REQUIRE(f.open(20, "socket_id=1.2&channel=pub&channel=private:room&auth=" + auth) ==
            net::Reply::Streaming);
    f.t.sent.clear();
    CHECK(f.s.encode_event({"pub", "client-x", "{}", {}, true}));
    CHECK(f.s.encode_event({"private-a", "client-x", "{}", {}, true}));
    CHECK_FALSE(f.s.encode_event({"private:room", "shout", "{}", {}, true}));  // a Phoenix push
    CHECK(f.s.encode_event({"private:room", "news", "{}", {}, false}));        // a server event
    CHECK_FALSE(f.s.encode_event({"#server-to-user-1", "e", "{}", {}, false}));
}

TEST_CASE("sse: a stream that goes drops its subscriptions and its presence") {
    Fixture f;
    const std::string cd = R"({"user_id":"u1","user_info":{"n":1}})";
    const std::string auth =
        codec::sign_channel(f.config.app.key, f.config.app.secret, "3.4", "presence-r", cd);
    REQUIRE(f.open(30, "socket_id=3.4&channel=presence-r&auth=" + auth +
                           "&channel_data=%7B%22user_id%22%3A%22u1%22%2C%22user_info%22%3A%7B%22n%"
                           "22%3A1%7D%7D&channel=pub") == net::Reply::Streaming);
    CHECK(f.hub.local_topics().subscriber_count(test::flag_topic("presence-r")) == 1);
    CHECK(f.hub.presence().user_count(test::flag_topic("presence-r")) == 1);
    f.s.on_abandoned(30);
    CHECK(f.s.stream_count() == 0);
    CHECK(f.hub.local_topics().subscriber_count(test::flag_topic("presence-r")) == 0);
    CHECK(f.hub.local_topics().subscriber_count(test::flag_topic("pub")) == 0);
    CHECK(f.hub.presence().user_count(test::flag_topic("presence-r")) == 0);
}
