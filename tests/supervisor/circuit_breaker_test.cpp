// SPDX-License-Identifier: MIT
// The breaker state machine over a fake clock (milliseconds passed in).
#include "supervisor/circuit_breaker.hpp"

#include <catch2/catch.hpp>

using shoal::sup::BreakerKnobs;
using shoal::sup::BreakerState;
using shoal::sup::CircuitBreaker;

TEST_CASE("CircuitBreaker: K failures within the window open it, fewer do not",
          "[supervisor][breaker]") {
    CircuitBreaker b(BreakerKnobs{3, 1'000, 5'000});
    REQUIRE_FALSE(b.on_failure(0, false));
    REQUIRE_FALSE(b.on_failure(100, false));
    REQUIRE(b.state() == BreakerState::Closed);
    REQUIRE(b.allows_start());
    REQUIRE(b.on_failure(200, false));
    REQUIRE(b.state() == BreakerState::Open);
    REQUIRE_FALSE(b.allows_start());
    REQUIRE(b.reopens_at_ms() == 5'200);
}

TEST_CASE("CircuitBreaker: failures spread wider than the window never open it",
          "[supervisor][breaker]") {
    CircuitBreaker b(BreakerKnobs{3, 1'000, 5'000});
    for (std::uint64_t t = 0; t < 20'000; t += 600)
        REQUIRE_FALSE(b.on_failure(t, false));
    REQUIRE(b.state() == BreakerState::Closed);
    REQUIRE(b.recent_failures(19'900) <= 2);
}

TEST_CASE("CircuitBreaker: a configuration error opens it at once", "[supervisor][breaker]") {
    CircuitBreaker b(BreakerKnobs{5, 30'000, 30'000});
    REQUIRE(b.on_failure(10, true));
    REQUIRE(b.state() == BreakerState::Open);
}

TEST_CASE("CircuitBreaker: open, half-open after the cooldown, closed once the trial is healthy",
          "[supervisor][breaker]") {
    CircuitBreaker b(BreakerKnobs{2, 1'000, 3'000});
    (void)b.on_failure(0, false);
    REQUIRE(b.on_failure(10, false));
    REQUIRE_FALSE(b.poll(3'010));  // a whole 3,000 ms may not have passed yet
    REQUIRE(b.state() == BreakerState::Open);
    REQUIRE(b.poll(3'011));
    REQUIRE(b.state() == BreakerState::HalfOpen);
    REQUIRE(b.allows_start());

    SECTION("a healthy trial closes it and clears the failure history") {
        REQUIRE(b.on_healthy(4'000));
        REQUIRE(b.state() == BreakerState::Closed);
        REQUIRE_FALSE(b.on_failure(4'100, false));
        REQUIRE(b.state() == BreakerState::Closed);
    }
    SECTION("a failed trial opens it again for a full cooldown") {
        REQUIRE(b.on_failure(3'500, false));
        REQUIRE(b.state() == BreakerState::Open);
        REQUIRE(b.reopens_at_ms() == 6'500);
    }
}

TEST_CASE("CircuitBreaker: healthy reports while closed change nothing", "[supervisor][breaker]") {
    CircuitBreaker b(BreakerKnobs{2, 1'000, 3'000});
    (void)b.on_failure(0, false);
    REQUIRE_FALSE(b.on_healthy(100));
    REQUIRE(b.on_failure(200, false));
}
