// SPDX-License-Identifier: MIT
// The Pusher HTTP API in-process, through its routes in a route table: signed requests as the SDKs
// sign them, and each error status.
#include "worker/http_api/pusher_http_api.hpp"

#include <unistd.h>

#include <cstdio>

#include <catch2/catch.hpp>

#include "common/log.hpp"
#include "tests/support/fake_transport.hpp"
#include "tests/support/flag_apps.hpp"
#include "worker/codec/pusher_http_auth.hpp"
#include "worker/codec/pusher_signature.hpp"

using namespace shoal;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
std::int64_t g_clock_s = kNow;  // moved only by the log budget test, which puts it back
std::int64_t fixed_clock() {
    return g_clock_s;
}

// Runs fn with stderr sent to a temporary file (a pipe could fill and block) and returns it.
template <class Fn>
std::string capture_stderr(Fn fn) {
    std::FILE* tmp = std::tmpfile();
    REQUIRE(tmp != nullptr);
    const int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    std::string out;
    std::rewind(tmp);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0)
        out.append(buf, n);
    std::fclose(tmp);
    return out;
}

std::size_t count_of(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

struct Fixture {
    common::Config config;
    test::FakeTransport t;
    channel::ChannelHub hub{t};
    channel::AppDirectory apps{hub, test::flag_apps(config)};
    session::PusherSessions s{config, hub, apps, 9};
    http_api::PusherHttpApi api{config, s, &fixed_clock};
    net::HttpRouter router;
    std::string query;  // kept alive: HttpRequest holds views

    Fixture() { api.add_to(router); }
    // As the transport dispatches it: guard, route, or the table's 404/405.
    net::HttpResponse handle(const net::HttpRequest& req) {
        net::HttpResponse out;
        CHECK(router.dispatch(router.match(req.method, req.path), 1, req, out) == net::Reply::Now);
        return out;
    }

    net::HttpResponse call(std::string_view method, std::string_view path,
                           std::string_view body = "", std::vector<codec::QueryParam> params = {},
                           std::int64_t at = kNow) {
        query = codec::sign_http_query(method, path, std::move(params), config.app.key,
                                       config.app.secret, at, body);
        net::HttpRequest req{method, path, query, {}, body};
        return handle(req);
    }
    void connect(net::ConnId id, const std::string& ch) {
        s.open(id, config.app.key, "protocol=7");
        std::string auth;
        if (ch.starts_with("presence-")) {
            std::string cd = R"({"user_id":"u)" + std::to_string(id) + R"("})";
            auth = codec::sign_channel(config.app.key, config.app.secret, "9." + std::to_string(id),
                                       ch, cd);
            std::string msg = R"({"event":"pusher:subscribe","data":{"channel":")" + ch +
                              R"(","auth":")" + auth + R"(","channel_data":)";
            codec::append_json_string(msg, cd);
            s.message(id, msg + "}}");
        } else {
            s.message(id, R"({"event":"pusher:subscribe","data":{"channel":")" + ch + R"("}})");
        }
    }
};

}  // namespace

TEST_CASE("pusher http api: a signed event reaches the channel's subscribers", "[http_api]") {
    Fixture f;
    f.connect(1, "news");
    f.connect(2, "news");
    f.t.clear();
    auto r = f.call(
        "POST", "/apps/app-id/events",
        R"({"name":"update","channels":["news","empty"],"data":"{\"a\":1}","socket_id":"9.2"})");
    CHECK(r.status == 200);
    CHECK(r.body == "{}");
    CHECK(f.t.events_to(1) == std::vector<std::string>{"update"});
    CHECK(f.t.to(2).empty());
}

TEST_CASE("pusher http api: info on an event returns the channel counts", "[http_api]") {
    Fixture f;
    f.connect(1, "presence-r");
    auto r = f.call(
        "POST", "/apps/app-id/events",
        R"({"name":"e","channel":"presence-r","data":"x","info":"user_count,subscription_count"})");
    CHECK(r.status == 200);
    auto d = test::parse_json(r.body);
    CHECK(d["channels"]["presence-r"]["user_count"].GetInt() == 1);
    CHECK(d["channels"]["presence-r"]["subscription_count"].GetInt() == 1);
}

TEST_CASE("pusher http api: batch events deliver up to 10 and refuse 11", "[http_api]") {
    Fixture f;
    f.connect(1, "a");
    f.t.clear();
    auto r = f.call(
        "POST", "/apps/app-id/batch_events",
        R"({"batch":[{"name":"x","channel":"a","data":"1"},{"name":"y","channel":"a","data":"2"}]})");
    CHECK(r.status == 200);
    CHECK(f.t.events_to(1) == std::vector<std::string>{"x", "y"});
    std::string many = R"({"batch":[)";
    for (int i = 0; i < 11; ++i)
        many += std::string(i ? "," : "") + R"({"name":"x","channel":"a","data":"1"})";
    f.t.clear();
    CHECK(f.call("POST", "/apps/app-id/batch_events", many + "]}").status == 400);
    CHECK(f.t.sent.empty());
}

TEST_CASE("pusher http api: each bad request gets its status and a JSON error", "[http_api]") {
    Fixture f;
    SECTION("a bad signature is 401") {
        std::string body = R"({"name":"x","channel":"a","data":"1"})";
        f.query = codec::sign_http_query("POST", "/apps/app-id/events", {}, f.config.app.key,
                                         "wrong-secret", kNow, body);
        net::HttpRequest req{"POST", "/apps/app-id/events", f.query, {}, body};
        auto r = f.handle(req);
        CHECK(r.status == 401);
        CHECK(test::parse_json(r.body).HasMember("error"));
    }
    SECTION("a stale timestamp is 401") {
        CHECK(f.call("GET", "/apps/app-id/channels", "", {}, kNow - 601).status == 401);
    }
    SECTION("data over the app's limit is 413") {
        common::App app = common::app_from_flags(f.config);
        app.limits.max_event_bytes = 8;
        f.apps.replace(common::AppSet({app}));
        CHECK(f.call("POST", "/apps/app-id/events",
                     R"({"name":"x","channel":"a","data":"123456789"})")
                  .status == 413);
    }
    SECTION("bad JSON and bad channel names are 400") {
        CHECK(f.call("POST", "/apps/app-id/events", "{nope").status == 400);
        CHECK(f.call("POST", "/apps/app-id/events", R"({"name":"x","channel":"a b","data":"1"})")
                  .status == 400);
        CHECK(f.call("POST", "/apps/app-id/events", R"({"name":"x","data":"1"})").status == 400);
        CHECK(f.call("POST", "/apps/app-id/events", R"({"name":"x","channel":"a","data":{}})")
                  .status == 400);
        CHECK(f.call("POST", "/apps/app-id/events",
                     R"({"name":"x","channel":"a","data":"1","socket_id":"abc"})")
                  .status == 400);
        std::string channels = "[";
        for (int i = 0; i < 101; ++i)
            channels += std::string(i ? "," : "") + "\"c" + std::to_string(i) + "\"";
        CHECK(f.call("POST", "/apps/app-id/events",
                     R"({"name":"x","data":"1","channels":)" + channels + "]}")
                  .status == 400);
    }
    SECTION("an unknown app or route is 404, a wrong method 405") {
        CHECK(f.call("GET", "/apps/other/channels").status == 404);
        CHECK(f.call("GET", "/apps/other/channels").body == R"({"error":"Unknown app"})");
        CHECK(f.call("GET", "/apps/app-id").body == R"({"error":"Unknown app"})");
        CHECK(f.call("GET", "/apps/app-id/nothing").status == 404);
        CHECK(f.call("GET", "/apps/app-id/nothing").body == R"({"error":"Not found"})");
        CHECK(f.call("GET", "/apps/app-id/events").status == 405);
        CHECK(f.call("GET", "/apps/app-id/events").body == R"({"error":"Use POST"})");
        CHECK(f.call("POST", "/apps/app-id/channels/a/users").body == R"({"error":"Use GET"})");
        CHECK(f.call("GET", "/apps/app-id/users/u1/terminate_connections").body ==
              R"({"error":"Use POST"})");
    }
    SECTION("the signature is checked before the route: unsigned is 401 even where 404/405") {
        net::HttpRequest nothing{"GET", "/apps/app-id/nothing", "", {}, ""};
        CHECK(f.handle(nothing).status == 401);
        net::HttpRequest wrong{"GET", "/apps/app-id/events", "", {}, ""};
        CHECK(f.handle(wrong).status == 401);
        net::HttpRequest bad_query{"GET", "/apps/app-id/channels", "a=%zz", {}, ""};
        CHECK(f.handle(bad_query).body == R"({"error":"Malformed query string"})");
    }
}

TEST_CASE("pusher http api: invalid UTF-8 in any string that reaches a frame is a 400",
          "[http_api]") {
    Fixture f;
    f.connect(1, "a");
    f.t.clear();
    // Raw bytes pass the JSON parser inside strings; so does an escaped lone low surrogate.
    const std::string raw = "\xff\xfe";
    const std::string bodies[] = {
        R"({"name":"x","channel":"a","data":")" + raw + R"("})",
        R"({"name":"x","channel":"a","data":"\udc00"})",
        R"({"name":"x)" + raw + R"(","channel":"a","data":"1"})",
        R"({"name":"x","channels":["a","b)" + raw + R"("],"data":"1"})",
        R"({"name":"x","channel":"a)" + raw + R"(","data":"1"})",
        R"({"name":"x","channel":"a","data":"1","socket_id":"1.)" + raw + R"("})",
    };
    for (const auto& body : bodies) {
        auto r = f.call("POST", "/apps/app-id/events", body);
        CHECK(r.status == 400);
        CHECK(test::parse_json(r.body).HasMember("error"));
    }
    const std::string batches[] = {
        R"({"batch":[{"name":"ok","channel":"a","data":"1"},{"name":"x)" + raw +
            R"(","channel":"a","data":"1"}]})",
        R"({"batch":[{"name":"ok","channel":"a","data":"1"},{"name":"x","channel":"a)" + raw +
            R"(","data":"1"}]})",
        R"({"batch":[{"name":"ok","channel":"a","data":")" + raw + R"("}]})",
    };
    for (const auto& body : batches)
        CHECK(f.call("POST", "/apps/app-id/batch_events", body).status == 400);
    CHECK(f.t.sent.empty());  // nothing of a refused request is delivered
    // Well-formed multi-byte text still goes through.
    CHECK(f.call("POST", "/apps/app-id/events", R"({"name":"x","channel":"a","data":"h\u00e9 ✓"})")
              .status == 200);
    CHECK(f.t.events_to(1) == std::vector<std::string>{"x"});
}

TEST_CASE("pusher http api: channel queries report occupied channels, counts and users",
          "[http_api]") {
    Fixture f;
    f.connect(1, "presence-room");
    f.connect(2, "presence-room");
    f.connect(3, "news");
    auto all = test::parse_json(f.call("GET", "/apps/app-id/channels").body);
    CHECK(all["channels"].MemberCount() == 2);
    auto pres = f.call("GET", "/apps/app-id/channels", "",
                       {{"filter_by_prefix", "presence-"}, {"info", "user_count"}});
    auto p = test::parse_json(pres.body);
    CHECK(p["channels"].MemberCount() == 1);
    CHECK(p["channels"]["presence-room"]["user_count"].GetInt() == 2);
    CHECK(f.call("GET", "/apps/app-id/channels", "", {{"info", "user_count"}}).status == 400);

    auto one = test::parse_json(
        f.call("GET", "/apps/app-id/channels/news", "", {{"info", "subscription_count"}}).body);
    CHECK(one["occupied"].GetBool());
    CHECK(one["subscription_count"].GetInt() == 1);
    auto none = test::parse_json(f.call("GET", "/apps/app-id/channels/empty").body);
    CHECK_FALSE(none["occupied"].GetBool());

    auto users = test::parse_json(f.call("GET", "/apps/app-id/channels/presence-room/users").body);
    CHECK(users["users"].Size() == 2);
    CHECK(f.call("GET", "/apps/app-id/channels/news/users").status == 400);
}

TEST_CASE("pusher http api: terminate_connections closes the user's connections", "[http_api]") {
    Fixture f;
    f.s.open(1, f.config.app.key, "protocol=7");
    std::string user = R"({"id":"7"})";
    std::string msg = R"({"event":"pusher:signin","data":{"auth":")" +
                      codec::sign_user(f.config.app.key, f.config.app.secret, "9.1", user) +
                      R"(","user_data":)";
    codec::append_json_string(msg, user);
    f.s.message(1, msg + "}}");
    auto r = f.call("POST", "/apps/app-id/users/7/terminate_connections", "{}");
    CHECK(r.status == 200);
    CHECK(f.t.was_closed(1, 4009));
}

TEST_CASE("pusher http api: a deeply nested body is a 400, not a crash", "[http_api]") {
    Fixture f;
    std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
    CHECK(f.call("POST", "/apps/app-id/events", deep).status == 400);
    CHECK(f.call("POST", "/apps/app-id/batch_events", deep).status == 400);
}

TEST_CASE("pusher http api: 401s are each counted, and logged within a budget a second",
          "[http_api]") {
    Fixture f;
    common::log_configure({common::LogLevel::Info, common::LogFormat::Text, "worker", 0});
    constexpr std::uint64_t kRequests = 5000;
    net::HttpRequest unsigned_get{"GET", "/apps/app-id/channels", "", {}, ""};
    std::string first = capture_stderr([&] {
        for (std::uint64_t i = 0; i < kRequests; ++i)
            CHECK(f.handle(unsigned_get).status == 401);
    });
    CHECK(count_of(first, "http api: 401 GET /apps/app-id/channels") ==
          http_api::PusherHttpApi::kAuthLogsPerSecond);
    CHECK(f.s.counters().get(common::Counter::HttpAuthFailures) == kRequests);
    // The next second: one line for what was held back, then the budget again.
    g_clock_s = kNow + 1;
    std::string next = capture_stderr([&] { CHECK(f.handle(unsigned_get).status == 401); });
    g_clock_s = kNow;
    CHECK(
        count_of(next, "http api: " +
                           std::to_string(kRequests - http_api::PusherHttpApi::kAuthLogsPerSecond) +
                           " 401s not logged") == 1);
    CHECK(count_of(next, "http api: 401 GET") == 1);
    CHECK(f.s.counters().get(common::Counter::HttpAuthFailures) == kRequests + 1);
    // A signed request counts nothing.
    CHECK(f.call("GET", "/apps/app-id/channels").status == 200);
    CHECK(f.s.counters().get(common::Counter::HttpAuthFailures) == kRequests + 1);
}
