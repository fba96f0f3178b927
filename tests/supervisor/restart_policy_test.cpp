// SPDX-License-Identifier: MIT
// Backoff bounds, reset after healthy uptime, determinism of the seeded jitter.
#include "supervisor/restart_policy.hpp"

#include <catch2/catch.hpp>

using shoal::sup::BackoffKnobs;
using shoal::sup::RestartPolicy;

TEST_CASE("RestartPolicy: delays double per failure and stay between half and all of the ceiling",
          "[supervisor][restart]") {
    RestartPolicy p(BackoffKnobs{100, 5'000, 10'000}, 42);
    std::uint64_t ceilings[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
    for (std::uint64_t c : ceilings) {
        std::uint64_t d = p.on_exit(50);
        REQUIRE(d >= c / 2);
        REQUIRE(d <= c);
    }
    REQUIRE(p.ceiling_ms(40) == 5'000);
}

TEST_CASE("RestartPolicy: a run that reached the healthy uptime resets the backoff",
          "[supervisor][restart]") {
    RestartPolicy p(BackoffKnobs{100, 5'000, 10'000}, 7);
    for (int i = 0; i < 6; ++i)
        (void)p.on_exit(10);
    REQUIRE(p.attempt() == 6);
    std::uint64_t d = p.on_exit(10'000);
    REQUIRE(d <= 100);
    REQUIRE(p.attempt() == 1);
    p.on_healthy();
    REQUIRE(p.attempt() == 0);
}

TEST_CASE("RestartPolicy: the same seed gives the same delays and another seed spreads them",
          "[supervisor][restart]") {
    BackoffKnobs k{1'000, 60'000, 10'000};
    RestartPolicy a(k, 1), b(k, 1), c(k, 2);
    bool differs = false;
    for (int i = 0; i < 6; ++i) {
        std::uint64_t da = a.on_exit(0), db = b.on_exit(0), dc = c.on_exit(0);
        REQUIRE(da == db);
        differs = differs || da != dc;
    }
    REQUIRE(differs);
}
