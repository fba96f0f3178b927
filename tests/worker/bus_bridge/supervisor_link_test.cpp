// SPDX-License-Identifier: MIT
// The worker side of the watchdog against a real segment and a real loop.
#include "worker/bus_bridge/supervisor_link.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/test_segment.hpp"

using namespace shoal;

namespace {

struct Fixture {
    test::SegmentName name{"linktest"};
    common::Config config;
    std::optional<bus::Segment> seg;

    Fixture() {
        config.workers = 2;
        config.bus_name = name.str();
        config.policy.heartbeat_interval_ms = 20;
        seg.emplace(test::create_segment(name, 2));
        seg->slot(1).epoch.store(6);
        // The test process plays a worker whose supervisor is the test runner.
        ::setenv("SHOAL_SUPERVISOR_PID", std::to_string(::getppid()).c_str(), 1);
        ::setenv("SHOAL_WORKER_EPOCH", "6", 1);
        ::setenv("SHOAL_WAKEUP_FDS", "4,5", 1);
        ::unsetenv("SHOAL_FAULT_FILE");
    }
};

void run_for_ms(uv_loop_t* loop, std::uint64_t ms) {
    uv_timer_t t;
    uv_timer_init(loop, &t);
    uv_timer_start(
        &t, [](uv_timer_t* h) { uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr); }, ms, 0);
    uv_run(loop, UV_RUN_DEFAULT);
}

}  // namespace

TEST_CASE("SupervisorLink: a slot worker beats into its slot and reports its connections",
          "[worker][bus_bridge]") {
    Fixture f;
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        auto link = worker::SupervisorLink::start(&loop, f.config, 1);
        REQUIRE(link.ok());
        REQUIRE(link.value()->epoch() == 6);
        REQUIRE(link.value()->wakeup_fds() == std::vector<int>{4, 5});
        REQUIRE(link.value()->segment() != nullptr);
        static std::uint64_t conns = 11;
        link.value()->count_connections_with([](const void*) { return conns; }, nullptr);
        REQUIRE(f.seg->slot(1).heartbeat_ns.load() == 0);  // the first beat runs in the loop
        run_for_ms(&loop, 60);
        std::uint64_t first = f.seg->slot(1).heartbeat_ns.load();
        REQUIRE(first > 0);
        REQUIRE(f.seg->slot(1).connections.load() == 11);
        run_for_ms(&loop, 60);
        REQUIRE(f.seg->slot(1).heartbeat_ns.load() > first);
        REQUIRE(f.seg->slot(0).heartbeat_ns.load() == 0);  // only its own slot
        link.value()->close();
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    REQUIRE(uv_loop_close(&loop) == 0);
}

TEST_CASE("SupervisorLink: a worker refuses to run as a stale epoch or without its supervisor",
          "[worker][bus_bridge]") {
    Fixture f;
    uv_loop_t loop;
    uv_loop_init(&loop);
    SECTION("an epoch the supervisor has moved past") {
        ::setenv("SHOAL_WORKER_EPOCH", "5", 1);
        auto link = worker::SupervisorLink::start(&loop, f.config, 1);
        REQUIRE_FALSE(link.ok());
        REQUIRE(link.error().message().find("epoch 5") != std::string::npos);
    }
    SECTION("a supervisor pid that is not the parent") {
        ::setenv("SHOAL_SUPERVISOR_PID", "1", 1);
        if (::getppid() != 1) {
            auto link = worker::SupervisorLink::start(&loop, f.config, 1);
            REQUIRE_FALSE(link.ok());
            REQUIRE(link.error().message().find("is gone") != std::string::npos);
        }
    }
    SECTION("a slot beyond the bus") {
        auto link = worker::SupervisorLink::start(&loop, f.config, 2);
        REQUIRE_FALSE(link.ok());
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

TEST_CASE("SupervisorLink: a standalone worker (slot -1) gets an inert link",
          "[worker][bus_bridge]") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    common::Config c;
    auto link = worker::SupervisorLink::start(&loop, c, -1);
    REQUIRE(link.ok());
    REQUIRE(link.value()->segment() == nullptr);
    uv_loop_close(&loop);
}
