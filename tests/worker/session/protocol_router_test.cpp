// SPDX-License-Identifier: MIT
// The worker's router: which path speaks which protocol, the Phoenix serializer version check,
// and one namespace on a worker (an HTTP trigger reaches both protocols' clients of a name).
#include "worker/session/protocol_router.hpp"

#include <catch2/catch.hpp>

#include "tests/support/fake_transport.hpp"
#include "worker/codec/phoenix_token.hpp"
#include "worker/codec/pusher_http_auth.hpp"

using namespace shoal;
using test::FakeTransport;

namespace {

std::int64_t clock_s() {
    return 1'700'000'000;
}

struct Fixture {
    common::Config config;
    FakeTransport t;
    channel::ChannelHub hub{t};
    session::ProtocolRouter r{config, hub, 777, &clock_s};

    net::HttpRequest ws(std::string_view path, std::string_view query) {
        net::HttpRequest q;
        q.method = "GET";
        q.path = path;
        q.query = query;
        return q;
    }
};

}  // namespace

TEST_CASE("router: /socket/websocket needs vsn 2.x, /app/{key} goes to Pusher, others are 404",
          "[session][router]") {
    Fixture f;
    CHECK(f.r.on_upgrade(f.ws("/socket/websocket", "vsn=2.0.0")).accept);
    CHECK(f.r.on_upgrade(f.ws("/socket/websocket/", "vsn=2.0.0&token=x")).accept);
    auto v1 = f.r.on_upgrade(f.ws("/socket/websocket", "vsn=1.0.0"));
    CHECK_FALSE(v1.accept);
    CHECK(v1.refuse_status == 400);
    CHECK_FALSE(f.r.on_upgrade(f.ws("/socket/websocket", "")).accept);
    CHECK(f.r.on_upgrade(f.ws("/app/app-key", "protocol=7")).accept);
    auto other = f.r.on_upgrade(f.ws("/elsewhere", ""));
    CHECK_FALSE(other.accept);
    CHECK(other.refuse_status == 404);
}

TEST_CASE("router: each connection speaks the protocol of the path it opened on",
          "[session][router]") {
    Fixture f;
    f.r.on_open(1, f.ws("/app/app-key", "protocol=7"));
    f.r.on_open(2, f.ws("/socket/websocket", "vsn=2.0.0"));
    auto hello = test::parse_json(f.t.last_to(1));
    CHECK(std::string(hello["event"].GetString()) == "pusher:connection_established");
    f.r.on_text(2, R"([null,"1","phoenix","heartbeat",{}])");
    CHECK(f.t.last_to(2) == R"([null,"1","phoenix","phx_reply",{"status":"ok","response":{}}])");
    f.r.on_close(2);
    CHECK(f.r.phoenix().connection_count() == 0);
    CHECK(f.r.pusher().sessions().connection_count() == 1);
}

TEST_CASE("router: an HTTP trigger reaches Pusher and Phoenix clients of the same name",
          "[session][router]") {
    Fixture f;
    f.r.on_open(1, f.ws("/app/app-key", "protocol=7"));
    f.r.on_open(2, f.ws("/socket/websocket", "vsn=2.0.0"));
    f.r.on_text(1, R"({"event":"pusher:subscribe","data":{"channel":"news"}})");
    f.r.on_text(2, R"(["1","1","news","phx_join",{}])");
    f.t.clear();
    f.r.pusher().sessions().trigger("news", "flash", R"({"n":1})", {});
    auto p = test::parse_json(f.t.last_to(1));
    CHECK(std::string(p["event"].GetString()) == "flash");
    CHECK(std::string(p["data"].GetString()) == R"({"n":1})");
    CHECK(f.t.last_to(2) == R"([null,null,"news","flash",{"n":1}])");
}

TEST_CASE("router: the HTTP API accepts a Phoenix-only name and delivers to its members",
          "[session][router]") {
    Fixture f;
    f.r.on_open(2, f.ws("/socket/websocket", "vsn=2.0.0"));
    f.r.on_text(2, R"(["1","1","room:lobby","phx_join",{}])");
    f.t.clear();
    const std::string body = R"({"name":"flash","channel":"room:lobby","data":"{\"n\":2}"})";
    const std::string query = codec::sign_http_query(
        "POST", "/apps/app-id/events", {}, f.config.app.key, f.config.app.secret, clock_s(), body);
    net::HttpRequest req{"POST", "/apps/app-id/events", query, {}, body};
    CHECK(f.r.on_request(req).status == 200);
    CHECK(f.t.last_to(2) == R"([null,null,"room:lobby","flash",{"n":2}])");

    const std::string reserved = R"({"name":"flash","channel":"#room","data":"{}"})";
    const std::string q2 =
        codec::sign_http_query("POST", "/apps/app-id/events", {}, f.config.app.key,
                               f.config.app.secret, clock_s(), reserved);
    CHECK(f.r.on_request({"POST", "/apps/app-id/events", q2, {}, reserved}).status == 400);
}

TEST_CASE("router: the HTTP API answers channel and user queries for Phoenix topics",
          "[session][router]") {
    Fixture f;
    const std::string tok =
        codec::make_phoenix_token(R"({"user_id":"ann","exp":2000000000})", f.config.app.secret);
    f.r.on_open(2, f.ws("/socket/websocket", "vsn=2.0.0&token=" + tok));
    f.r.on_text(2, R"(["1","1","presence:room","phx_join",{}])");
    auto get = [&](const std::string& path, std::vector<codec::QueryParam> params = {}) {
        const std::string q = codec::sign_http_query(
            "GET", path, std::move(params), f.config.app.key, f.config.app.secret, clock_s(), "");
        return f.r.on_request({"GET", path, q, {}, ""});
    };
    auto info =
        get("/apps/app-id/channels/presence:room", {{"info", "user_count,subscription_count"}});
    REQUIRE(info.status == 200);
    auto d = test::parse_json(info.body);
    CHECK(d["occupied"].GetBool());
    CHECK(d["user_count"].GetInt() == 1);
    CHECK(d["subscription_count"].GetInt() == 1);
    auto users = get("/apps/app-id/channels/presence:room/users");
    REQUIRE(users.status == 200);
    CHECK(users.body == R"({"users":[{"id":"ann"}]})");
    CHECK(get("/apps/app-id/channels/#room").status == 400);
}
