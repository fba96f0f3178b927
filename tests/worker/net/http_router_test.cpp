// SPDX-License-Identifier: MIT
// test-support: alloc_counter
// The route table alone: literal and {name} segments, a {name...} rest, methods (HEAD takes GET
// routes), 404/405 with their bodies, trailing slashes, guards, upgrade routes, and matching
// without an allocation.
#include "worker/net/http_router.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "tests/support/alloc_counter.hpp"

using namespace shoal;
using net::RouteMatch;

namespace {

struct Recorder final : net::RouteHandler {
    int calls = 0;
    std::string last;
    net::Reply on_request(net::ConnId, const net::HttpRequest&, const net::RouteParams& p,
                          net::HttpResponse& out) override {
        ++calls;
        last = std::string(p.get("channel"));
        out.body = "ok";
        return net::Reply::Now;
    }
};

struct Ws final : net::WsHandler {
    net::UpgradeDecision on_upgrade(const net::HttpRequest&) override { return {}; }
    void on_open(net::ConnId, const net::HttpRequest&) override {}
    void on_text(net::ConnId, std::string_view) override {}
    void on_idle(net::ConnId) override {}
    void on_close(net::ConnId) override {}
    std::uint32_t idle_timeout_ms() const override { return 0; }
};

struct Deny final : net::RouteGuard {
    bool admit(const net::HttpRequest&, const net::RouteParams& p,
               net::HttpResponse& out) override {
        if (p.get("app_id") == "ok") return true;
        out.status = 401;
        out.body = "denied";
        return false;
    }
};

net::HttpRequest req(std::string_view method, std::string_view path) {
    net::HttpRequest r;
    r.method = method;
    r.path = path;
    return r;
}

}  // namespace

TEST_CASE("HttpRouter: literals and {name} segments match exactly, params are captured",
          "[worker][net][router]") {
    Recorder a, b;
    net::HttpRouter r;
    r.add("GET", "/apps/{app_id}/channels", a, 1);
    r.add("GET", "/apps/{app_id}/channels/{channel}/users", b, 2);
    r.add("GET", "/", a, 3);

    RouteMatch m = r.match("GET", "/apps/7/channels/news/users");
    REQUIRE(m.kind == RouteMatch::Kind::Found);
    CHECK(m.handler == &b);
    CHECK(m.params.route == 2);
    CHECK(m.params.count == 2);
    CHECK(m.params.get("app_id") == "7");
    CHECK(m.params.get("channel") == "news");
    CHECK(m.params.get("missing").empty());
    CHECK(r.match("GET", "/apps/7/channels").params.route == 1);
    CHECK(r.match("GET", "/").params.route == 3);
    // {name} is one non-empty segment.
    CHECK(r.match("GET", "/apps//channels").kind == RouteMatch::Kind::NotFound);
    CHECK(r.match("GET", "/apps/7/channels/a/b/users").kind == RouteMatch::Kind::NotFound);
    CHECK(r.match("GET", "/apps/7/channels/extra").kind == RouteMatch::Kind::NotFound);
    CHECK(r.match("GET", "/apps/7").kind == RouteMatch::Kind::NotFound);
    CHECK(r.match("GET", "/apps/7/channelsx").kind == RouteMatch::Kind::NotFound);
    CHECK(r.match("GET", "").kind == RouteMatch::Kind::NotFound);
    // Each distinct handler has one index.
    CHECK(m.handler_index == 1);
    CHECK(&r.route_handler(0) == &a);
}

TEST_CASE("HttpRouter: a {name...} rest takes '/' and empty text, the segments after it the tail",
          "[worker][net][router]") {
    Recorder users, one;
    net::HttpRouter r;
    r.add("GET", "/c/{channel...}/users", users);
    r.add("GET", "/c/{channel...}", one);
    auto found = [&](std::string_view path) {
        RouteMatch m = r.match("GET", path);
        return std::pair{m.handler, std::string(m.params.get("channel"))};
    };
    CHECK(found("/c/news/users") ==
          std::pair{static_cast<net::RouteHandler*>(&users), std::string("news")});
    CHECK(found("/c/room/lobby/users").second == "room/lobby");
    CHECK(found("/c/room/lobby").first == &one);
    CHECK(found("/c/room/lobby").second == "room/lobby");
    CHECK(found("/c/users").first == &one);  // "users" is the name, not the suffix
    CHECK(found("/c//users").first == &users);
    CHECK(found("/c//users").second.empty());
    CHECK(found("/c/").first == &one);
    CHECK(r.match("GET", "/c").kind == RouteMatch::Kind::NotFound);
    CHECK(r.match("GET", "/cx/a").kind == RouteMatch::Kind::NotFound);
}

TEST_CASE("HttpRouter: another method is 405 with Allow, no route 404, HEAD takes GET routes",
          "[worker][net][router]") {
    Recorder h;
    net::HttpRouter r;
    r.add("POST", "/apps/{app_id}/events", h);
    r.add("GET", "/apps/{app_id}/channels", h);
    r.add("*", "/any", h);

    net::HttpResponse out;
    RouteMatch m = r.match("GET", "/apps/1/events");
    CHECK(m.kind == RouteMatch::Kind::WrongMethod);
    CHECK(r.dispatch(m, 1, req("GET", "/apps/1/events"), out) == net::Reply::Now);
    CHECK(out.status == 405);
    CHECK(out.body == R"({"error":"Use POST"})");
    CHECK(out.headers == "Allow: POST\r\n");
    CHECK(h.calls == 0);

    out = {};
    m = r.match("DELETE", "/apps/1/channels");
    r.dispatch(m, 1, req("DELETE", "/apps/1/channels"), out);
    CHECK(out.body == R"({"error":"Use GET"})");
    CHECK(out.headers == "Allow: GET, HEAD\r\n");

    CHECK(r.match("HEAD", "/apps/1/channels").kind == RouteMatch::Kind::Found);
    CHECK(r.match("HEAD", "/apps/1/events").kind == RouteMatch::Kind::WrongMethod);
    CHECK(r.match("BREW", "/any").kind == RouteMatch::Kind::Found);
    CHECK(r.match("BREW", "/apps/1/channels").kind == RouteMatch::Kind::WrongMethod);

    out = {};
    m = r.match("GET", "/nothing");
    CHECK(m.kind == RouteMatch::Kind::NotFound);
    r.dispatch(m, 1, req("GET", "/nothing"), out);
    CHECK(out.status == 404);
    CHECK(out.body == R"({"error":"Not found"})");

    out = {};
    m = r.match("POST", "/apps/1/events");
    CHECK(r.dispatch(m, 1, req("POST", "/apps/1/events"), out) == net::Reply::Now);
    CHECK(h.calls == 1);
    CHECK(out.body == "ok");
}

TEST_CASE("HttpRouter: a trailing slash is taken only where the route says so",
          "[worker][net][router]") {
    Recorder strict, lenient;
    Ws ws;
    net::HttpRouter r;
    r.add("GET", "/strict", strict);
    r.add("GET", "/lenient", lenient, 0, true);
    r.add_upgrade("/socket/websocket", ws);
    CHECK(r.match("GET", "/strict/").kind == RouteMatch::Kind::NotFound);
    CHECK(r.match("GET", "/lenient/").kind == RouteMatch::Kind::Found);
    CHECK(r.match("GET", "/lenient//").kind == RouteMatch::Kind::NotFound);
    CHECK(r.match_upgrade("/socket/websocket/").handler == &ws);
    CHECK(r.match_upgrade("/socket/websocket").handler == &ws);
    CHECK(r.match_upgrade("/socket").handler == nullptr);
}

TEST_CASE("HttpRouter: a guard runs before the route and before the table's 404/405",
          "[worker][net][router]") {
    Recorder h;
    Deny guard;
    net::HttpRouter r;
    r.add_guard("/apps/{app_id}", guard);
    r.add("POST", "/apps/{app_id}/events", h);
    auto status = [&](std::string_view method, std::string_view path) {
        net::HttpResponse out;
        r.dispatch(r.match(method, path), 1, req(method, path), out);
        return out.status;
    };
    CHECK(status("POST", "/apps/no/events") == 401);
    CHECK(status("GET", "/apps/no/events") == 401);   // not 405
    CHECK(status("GET", "/apps/no/nothing") == 401);  // not 404
    CHECK(status("GET", "/apps/no") == 401);          // the prefix alone is under it
    CHECK(h.calls == 0);
    CHECK(status("POST", "/apps/ok/events") == 200);
    CHECK(status("GET", "/apps/ok/events") == 405);
    CHECK(status("GET", "/apps/ok/nothing") == 404);
    CHECK(status("GET", "/other") == 404);  // outside the prefix: no guard
    CHECK(r.match("GET", "/appsx/no").guard == nullptr);
}

TEST_CASE("HttpRouter: upgrade routes name their WsHandler by a one-byte index",
          "[worker][net][router]") {
    Ws pusher, phoenix;
    net::HttpRouter r;
    r.add_upgrade("/app/{key...}", pusher);
    r.add_upgrade("/socket/websocket", phoenix);
    const net::UpgradeMatch p = r.match_upgrade("/app/key");
    const net::UpgradeMatch x = r.match_upgrade("/socket/websocket");
    REQUIRE(p.handler == &pusher);
    REQUIRE(x.handler == &phoenix);
    CHECK(p.params.get("key") == "key");
    CHECK(&r.ws_handler(p.index) == &pusher);
    CHECK(&r.ws_handler(x.index) == &phoenix);
    CHECK(r.ws_handler_count() == 2);
    CHECK(r.match_upgrade("/app/").handler == nullptr);  // an empty key: "/app/" is "/app"
    CHECK(r.match_upgrade("/app/a/b").params.get("key") == "a/b");
}

TEST_CASE("HttpRouter: matching allocates nothing", "[worker][net][router]") {
    Recorder h;
    Deny guard;
    Ws ws;
    net::HttpRouter r;
    r.add_guard("/apps/{app_id}", guard);
    r.add("GET", "/apps/{app_id}/channels/{channel...}/users", h);
    r.add("POST", "/apps/{app_id}/users/{user_id}/terminate_connections", h);
    r.add_upgrade("/app/{key...}", ws);
    test::AllocationScope scope;
    std::size_t found = 0;
    for (int i = 0; i < 100; ++i) {
        found +=
            r.match("GET", "/apps/ok/channels/presence-a/users").kind == RouteMatch::Kind::Found;
        found += r.match("GET", "/apps/ok/users/u/terminate_connections").kind ==
                 RouteMatch::Kind::WrongMethod;
        found += r.match("GET", "/nothing/here").kind == RouteMatch::Kind::NotFound;
        found += r.match_upgrade("/app/key").handler != nullptr;
    }
    CHECK(scope.count() == 0);
    CHECK(found == 400);
}
