// SPDX-License-Identifier: MIT
// test-labels: unit supervisor webhooks
// libcurl's multi interface on a libuv loop against a real server on a loopback port: answers
// with their status, a receiver that never answers ends at the deadline, a refused connection
// is an answer of 0, requests reuse a kept-alive connection, and close() leaves no handle open.
#include "supervisor/webhooks/http_client.hpp"

#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "tests/supervisor/webhooks/test_http_server.hpp"

using namespace shoal;
using webhooks::HttpClient;

namespace {

struct Answers final : webhooks::HttpClientHandler {
    std::map<std::uint64_t, std::pair<int, std::string>> got;
    void on_response(std::uint64_t tag, int status, std::string_view error) override {
        got[tag] = {status, std::string(error)};
    }
};

struct Loop {
    uv_loop_t loop;
    Loop() { uv_loop_init(&loop); }
    ~Loop() {
        uv_run(&loop, UV_RUN_DEFAULT);  // close callbacks
        REQUIRE(uv_loop_close(&loop) == 0);
    }
};

}  // namespace

TEST_CASE("HttpClient: a POST arrives with its headers and body; its status comes back",
          "[supervisor][webhooks]") {
    Loop l;
    test::TestHttpServer server(&l.loop, [](std::size_t i) { return i == 0 ? 200 : 500; });
    Answers answers;
    auto client = HttpClient::create(&l.loop, answers, {});
    REQUIRE(client.ok());
    REQUIRE(client.value()->post(7, server.url(), R"({"a":1})",
                                 {"Content-Type: application/json", "X-Pusher-Key: k"}));
    REQUIRE(test::run_until(
        &l.loop, [&] { return answers.got.count(7) == 1; }, 5000));
    REQUIRE(answers.got[7].first == 200);
    REQUIRE(server.requests().size() == 1);
    const auto& r = server.requests()[0];
    REQUIRE(r.head.starts_with("POST /hook HTTP/1.1\r\n"));
    REQUIRE(r.header("Content-Type") == "application/json");
    REQUIRE(r.header("X-Pusher-Key") == "k");
    REQUIRE(r.header("Expect").empty());
    REQUIRE(r.body == R"({"a":1})");

    REQUIRE(client.value()->post(8, server.url(), "x", {}));
    REQUIRE(test::run_until(
        &l.loop, [&] { return answers.got.count(8) == 1; }, 5000));
    REQUIRE(answers.got[8].first == 500);
    REQUIRE(server.connections() == 1);  // kept alive and reused
    client.value()->close();
    server.close();
}

TEST_CASE("HttpClient: a receiver that never answers ends at the deadline with status 0",
          "[supervisor][webhooks]") {
    Loop l;
    test::TestHttpServer server(&l.loop, [](std::size_t) { return 0; });
    Answers answers;
    webhooks::HttpClientOptions o;
    o.timeout_ms = 300;
    auto client = HttpClient::create(&l.loop, answers, o);
    REQUIRE(client.ok());
    REQUIRE(client.value()->post(1, server.url(), "{}", {}));
    REQUIRE(test::run_until(
        &l.loop, [&] { return answers.got.count(1) == 1; }, 5000));
    REQUIRE(answers.got[1].first == 0);
    REQUIRE_FALSE(answers.got[1].second.empty());
    REQUIRE(server.requests().size() == 1);
    REQUIRE(client.value()->active() == 0);
    client.value()->close();
    server.close();
}

TEST_CASE("HttpClient: a refused connection answers 0 with curl's reason",
          "[supervisor][webhooks]") {
    Loop l;
    std::string url;
    {
        test::TestHttpServer gone(&l.loop, [](std::size_t) { return 200; });
        url = gone.url();
        gone.close();
        uv_run(&l.loop, UV_RUN_NOWAIT);
    }
    Answers answers;
    auto client = HttpClient::create(&l.loop, answers, {});
    REQUIRE(client.ok());
    REQUIRE(client.value()->post(3, url, "{}", {}));
    REQUIRE(test::run_until(
        &l.loop, [&] { return answers.got.count(3) == 1; }, 5000));
    REQUIRE(answers.got[3].first == 0);
    REQUIRE_FALSE(answers.got[3].second.empty());
    client.value()->close();
}

TEST_CASE("HttpClient: close() drops requests in flight without calling back",
          "[supervisor][webhooks]") {
    Loop l;
    test::TestHttpServer server(&l.loop, [](std::size_t) { return 0; });
    Answers answers;
    auto client = HttpClient::create(&l.loop, answers, {});
    REQUIRE(client.ok());
    for (std::uint64_t i = 0; i < 5; ++i)
        REQUIRE(client.value()->post(i, server.url(), "{}", {}));
    REQUIRE(test::run_until(
        &l.loop, [&] { return server.requests().size() >= 1; }, 5000));
    client.value()->close();
    REQUIRE(client.value()->active() == 0);
    REQUIRE_FALSE(client.value()->post(9, server.url(), "{}", {}));
    server.close();
    uv_run(&l.loop, UV_RUN_DEFAULT);
    REQUIRE(answers.got.empty());
}
