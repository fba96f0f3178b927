// SPDX-License-Identifier: MIT
// The worker's route table: which path speaks which protocol, the Phoenix serializer version
// check, each connection kept on the handler of the path it opened on, and one namespace on a
// worker (an HTTP trigger reaches both protocols' clients of a name).
#include "worker/worker_app.hpp"

#include <catch2/catch.hpp>

#include "tests/support/fake_transport.hpp"
#include "tests/support/flag_apps.hpp"
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
    worker::WorkerApp app{config, hub, 777, &clock_s};
    std::string path_, query_;                             // kept alive: HttpRequest holds views
    std::unordered_map<net::ConnId, std::uint8_t> opened;  // what the connection keeps

    net::HttpRequest ws(std::string_view path, std::string_view query) {
        path_ = path;
        query_ = query;
        net::HttpRequest q;
        q.method = "GET";
        q.path = path_;
        q.query = query_;
        return q;
    }
    // The transport's upgrade step: the route, then the handler's decision.
    net::UpgradeDecision upgrade(std::string_view path, std::string_view query) {
        const net::HttpRequest q = ws(path, query);
        const net::UpgradeMatch m = app.router().match_upgrade(q.path);
        if (!m.handler) return {false, 404};
        return m.handler->on_upgrade(q);
    }
    void open(net::ConnId id, std::string_view path, std::string_view query) {
        const net::HttpRequest q = ws(path, query);
        const net::UpgradeMatch m = app.router().match_upgrade(q.path);
        REQUIRE(m.handler);
        REQUIRE(m.handler->on_upgrade(q).accept);
        opened[id] = m.index;
        m.handler->on_open(id, q);
    }
    net::WsHandler& handler_of(net::ConnId id) { return app.router().ws_handler(opened.at(id)); }
    void text(net::ConnId id, std::string_view m) {
        std::string copy(m);  // the handler may parse in place
        handler_of(id).on_text(id, copy);
    }
    net::HttpResponse request(const net::HttpRequest& req) {
        net::HttpResponse out;
        const net::RouteMatch m = app.router().match(req.method, req.path);
        CHECK(app.router().dispatch(m, 1, req, out) == net::Reply::Now);
        return out;
    }
};

}  // namespace

TEST_CASE("worker app: /socket/websocket needs vsn 2.x, /app/{key} goes to Pusher, others are 404",
          "[worker][router]") {
    Fixture f;
    CHECK(f.upgrade("/socket/websocket", "vsn=2.0.0").accept);
    CHECK(f.upgrade("/socket/websocket/", "vsn=2.0.0&token=x").accept);
    auto v1 = f.upgrade("/socket/websocket", "vsn=1.0.0");
    CHECK_FALSE(v1.accept);
    CHECK(v1.refuse_status == 400);
    CHECK_FALSE(f.upgrade("/socket/websocket", "").accept);
    CHECK(f.upgrade("/app/app-key", "protocol=7").accept);
    CHECK(f.upgrade("/app/app-key/", "protocol=7").accept);
    auto other = f.upgrade("/elsewhere", "");
    CHECK_FALSE(other.accept);
    CHECK(other.refuse_status == 404);
    CHECK_FALSE(f.upgrade("/app/", "").accept);
    CHECK_FALSE(f.upgrade("/app", "").accept);
}

TEST_CASE("worker app: each connection speaks the protocol of the path it opened on",
          "[worker][router]") {
    Fixture f;
    f.open(1, "/app/app-key", "protocol=7");
    f.open(2, "/socket/websocket", "vsn=2.0.0");
    CHECK(f.opened[1] != f.opened[2]);
    auto hello = test::parse_json(f.t.last_to(1));
    CHECK(std::string(hello["event"].GetString()) == "pusher:connection_established");
    f.text(2, R"([null,"1","phoenix","heartbeat",{}])");
    CHECK(f.t.last_to(2) == R"([null,"1","phoenix","phx_reply",{"status":"ok","response":{}}])");
    f.handler_of(2).on_close(2);
    CHECK(f.app.phoenix().connection_count() == 0);
    CHECK(f.app.pusher().connection_count() == 1);
    // Pusher's close codes stay Pusher's; the transport's defaults otherwise.
    CHECK(f.handler_of(1).overload_close_code() == 4100);
    CHECK(f.handler_of(1).idle_timeout_ms() == f.config.limits.activity_timeout_s * 1000u);
}

TEST_CASE("worker app: an HTTP trigger reaches Pusher and Phoenix clients of the same name",
          "[worker][router]") {
    Fixture f;
    f.open(1, "/app/app-key", "protocol=7");
    f.open(2, "/socket/websocket", "vsn=2.0.0");
    f.text(1, R"({"event":"pusher:subscribe","data":{"channel":"news"}})");
    f.text(2, R"(["1","1","news","phx_join",{}])");
    f.t.clear();
    f.app.pusher().trigger(f.app.apps().default_app(), "news", "flash", R"({"n":1})", {});
    auto p = test::parse_json(f.t.last_to(1));
    CHECK(std::string(p["event"].GetString()) == "flash");
    CHECK(std::string(p["data"].GetString()) == R"({"n":1})");
    CHECK(f.t.last_to(2) == R"([null,null,"news","flash",{"n":1}])");
}

TEST_CASE("worker app: the HTTP API accepts a Phoenix-only name and delivers to its members",
          "[worker][router]") {
    Fixture f;
    f.open(2, "/socket/websocket", "vsn=2.0.0");
    f.text(2, R"(["1","1","room:lobby","phx_join",{}])");
    f.t.clear();
    const std::string body = R"({"name":"flash","channel":"room:lobby","data":"{\"n\":2}"})";
    const std::string query = codec::sign_http_query(
        "POST", "/apps/app-id/events", {}, f.config.app.key, f.config.app.secret, clock_s(), body);
    CHECK(f.request({"POST", "/apps/app-id/events", query, {}, body}).status == 200);
    CHECK(f.t.last_to(2) == R"([null,null,"room:lobby","flash",{"n":2}])");

    const std::string reserved = R"({"name":"flash","channel":"#room","data":"{}"})";
    const std::string q2 =
        codec::sign_http_query("POST", "/apps/app-id/events", {}, f.config.app.key,
                               f.config.app.secret, clock_s(), reserved);
    CHECK(f.request({"POST", "/apps/app-id/events", q2, {}, reserved}).status == 400);
}

TEST_CASE("worker app: the HTTP API answers channel and user queries for Phoenix topics",
          "[worker][router]") {
    Fixture f;
    const std::string tok =
        codec::make_phoenix_token(R"({"user_id":"ann","exp":2000000000})", f.config.app.secret);
    f.open(2, "/socket/websocket", "vsn=2.0.0&token=" + tok);
    f.text(2, R"(["1","1","presence:room","phx_join",{}])");
    auto get = [&](const std::string& path, std::vector<codec::QueryParam> params = {}) {
        const std::string q = codec::sign_http_query(
            "GET", path, std::move(params), f.config.app.key, f.config.app.secret, clock_s(), "");
        return f.request({"GET", path, q, {}, ""});
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
    // A topic with '/' is one name, as it was before the route table.
    CHECK(get("/apps/app-id/channels/room/a").status == 200);
    CHECK(get("/apps/app-id/channels/").body == R"({"error":"Invalid channel name"})");
    CHECK(get("/apps/app-id/nothing").body == R"({"error":"Not found"})");
    CHECK(get("/nothing").body == R"({"error":"Not found"})");
}
