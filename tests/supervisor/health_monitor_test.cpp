// SPDX-License-Identifier: MIT
// Heartbeat judgement over a fake clock.
#include "supervisor/health_monitor.hpp"

#include <catch2/catch.hpp>

using namespace shoal::sup;

namespace {
constexpr std::uint64_t kMs = 1'000'000;
const HealthKnobs kKnobs{1'000, 5'000};
}  // namespace

TEST_CASE("health_monitor: a worker with no heartbeat yet is starting, then stale past the timeout",
          "[supervisor][health]") {
    HeartbeatSample s{100 * kMs, 0};
    REQUIRE(judge_health(s, 600 * kMs, kKnobs) == Health::Starting);
    REQUIRE(judge_health(s, 1'100 * kMs, kKnobs) == Health::Starting);
    REQUIRE(judge_health(s, 1'101 * kMs, kKnobs) == Health::Stale);
}

TEST_CASE("health_monitor: a heartbeat left by the previous epoch does not count for this start",
          "[supervisor][health]") {
    HeartbeatSample s{10'000 * kMs, 9'999 * kMs};
    REQUIRE(judge_health(s, 10'500 * kMs, kKnobs) == Health::Starting);
    REQUIRE(judge_health(s, 11'500 * kMs, kKnobs) == Health::Stale);
}

TEST_CASE("health_monitor: a fresh heartbeat is up, then healthy after the healthy uptime",
          "[supervisor][health]") {
    HeartbeatSample s{0, 0};
    s.started_ns = 1 * kMs;
    s.heartbeat_ns = 900 * kMs;
    REQUIRE(judge_health(s, 1'000 * kMs, kKnobs) == Health::Up);
    s.heartbeat_ns = 5'500 * kMs;
    REQUIRE(judge_health(s, 5'600 * kMs, kKnobs) == Health::Healthy);
}

TEST_CASE("health_monitor: a heartbeat that stops (SIGSTOP, hang) turns stale after the timeout",
          "[supervisor][health]") {
    HeartbeatSample s{1 * kMs, 20'000 * kMs};
    REQUIRE(judge_health(s, 21'000 * kMs, kKnobs) == Health::Healthy);
    REQUIRE(judge_health(s, 21'001 * kMs, kKnobs) == Health::Stale);
    REQUIRE(heartbeat_age_ms(s, 21'001 * kMs) == 1'001);
}
