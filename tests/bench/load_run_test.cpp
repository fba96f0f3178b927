// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib
// test-labels: integration bench
// test-timeout: 90
// run_load end to end against the stand-in Pusher server (fake_pusher_server.mjs, a real Node
// process started here and stopped by its pid): every published event is counted once.
#include "bench/loadgen/load_run.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

using namespace shoal::loadgen;

namespace {

class FakeServer {
  public:
    FakeServer() {
        // SHOAL_SOURCE_DIR (set by ctest) rather than __FILE__, which is relative under ccache.
        const char* src = std::getenv("SHOAL_SOURCE_DIR");
        const auto script = (src ? std::filesystem::path(src) / "tests" / "bench"
                                 : std::filesystem::path(__FILE__).parent_path()) /
                            "fake_pusher_server.mjs";
        int out[2];
        REQUIRE(::pipe(out) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            ::close(out[0]);
            ::execlp("node", "node", script.c_str(), "0", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        FILE* f = ::fdopen(out[0], "r");
        char line[64] = {};
        // No line means node or tests/node_modules (the `ws` package) is missing: npm ci in tests/.
        INFO("node " << script << " printed no 'listening PORT' line");
        REQUIRE(std::fgets(line, sizeof line, f) != nullptr);
        std::fclose(f);
        REQUIRE(std::sscanf(line, "listening %d", &port_) == 1);
    }
    ~FakeServer() {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    int port() const { return port_; }
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_ = -1;
    int port_ = 0;
};

LoadOptions small_run(const FakeServer& server) {
    LoadOptions o;
    o.port = static_cast<std::uint16_t>(server.port());
    o.connections = 60;
    o.channels = 6;
    o.duration_s = 0.5;
    o.drain_ms = 3000;
    o.settle_ms = 50;
    o.connect_timeout_s = 20;
    o.source_addresses = 3;
    o.server_pid = server.pid();
    return o;
}

}  // namespace

TEST_CASE("run_load: API-published events reach every subscriber once, with latency samples",
          "[bench][load_run]") {
    FakeServer server;
    const LoadOptions o = small_run(server);
    auto r = run_load(o);
    REQUIRE(r.ok());
    REQUIRE(r->subscribed == 60);
    REQUIRE(r->failed == 0);
    REQUIRE(r->published > 0);
    REQUIRE(r->rejected == 0);
    REQUIRE(r->expected == r->published * 10);  // 60 subscribers over 6 channels
    REQUIRE(r->delivered == r->expected);
    REQUIRE(r->lost == 0);
    REQUIRE(r->latency.samples == r->delivered);
    REQUIRE(r->latency.p50_us > 0);
    REQUIRE(r->latency.p50_us <= r->latency.p99_us);
    REQUIRE(r->have_server);
    REQUIRE(r->server_processes >= 1);
    REQUIRE(r->server_cpu_s > 0);
    REQUIRE(r->connect_rate > 0);
}

TEST_CASE(
    "run_load: a fixed rate publishes about rate x duration events; the warm-up gives no "
    "latency samples",
    "[bench][load_run]") {
    FakeServer server;
    LoadOptions o = small_run(server);
    o.rate = 200;
    o.duration_s = 1.0;
    o.warmup_ms = 500;
    auto r = run_load(o);
    REQUIRE(r.ok());
    REQUIRE(r->published >= 150);  // a starved machine may lag; never more than asked
    REQUIRE(r->published <= 201);
    REQUIRE(r->delivered == r->expected);
    REQUIRE(r->latency.samples > 0);
    REQUIRE(r->latency.samples < r->delivered * 8 / 10);  // about half the events were warm-up
}

TEST_CASE("run_load: client events on private channels reach every subscriber but the sender",
          "[bench][load_run]") {
    FakeServer server;
    LoadOptions o = small_run(server);
    o.mode = PublishMode::Client;
    o.rate = 100;
    auto r = run_load(o);
    REQUIRE(r.ok());
    REQUIRE(r->subscribed == 60);  // private-channel auth accepted by an independent check
    REQUIRE(r->published > 0);
    REQUIRE(r->expected == r->published * 9);
    REQUIRE(r->delivered == r->expected);
}

TEST_CASE("run_load: client events as fast as absorbed keep every delivery", "[bench][load_run]") {
    FakeServer server;
    LoadOptions o = small_run(server);
    o.mode = PublishMode::Client;
    o.rate = 0;
    o.duration_s = 0.3;
    auto r = run_load(o);
    REQUIRE(r.ok());
    REQUIRE(r->published > 0);
    REQUIRE(r->delivered == r->expected);
    REQUIRE(r->lost == 0);
}

TEST_CASE("run_load: a wrong secret gets every request rejected and owes no deliveries",
          "[bench][load_run]") {
    FakeServer server;
    LoadOptions o = small_run(server);
    o.app.secret = "wrong";
    o.duration_s = 0.3;
    o.drain_ms = 500;
    auto r = run_load(o);
    REQUIRE(r.ok());
    REQUIRE(r->subscribed == 60);
    REQUIRE(r->published == 0);
    REQUIRE(r->rejected > 0);
    REQUIRE(r->requests_failed > 0);
    REQUIRE(r->expected == 0);
    REQUIRE(r->delivered == 0);
}

TEST_CASE("run_load: nobody listening means failed connections and a prompt return",
          "[bench][load_run]") {
    LoadOptions o;
    {
        FakeServer server;
        o.port = static_cast<std::uint16_t>(server.port());
    }  // stopped: the port is closed now
    o.connections = 20;
    o.duration_s = 0.2;
    o.drain_ms = 100;
    o.settle_ms = 0;
    o.connect_timeout_s = 5;
    auto r = run_load(o);
    REQUIRE(r.ok());
    REQUIRE(r->subscribed == 0);
    REQUIRE(r->failed == 20);
    REQUIRE(r->delivered == 0);
}
