// SPDX-License-Identifier: MIT
// test-labels: unit supervisor webhooks
// Retry delays double from 250 ms to a one-minute ceiling, each drawn from [ceiling/2, ceiling],
// and two senders with different seeds do not retry in step.
#include "supervisor/webhooks/retry_backoff.hpp"

#include <set>

#include <catch2/catch.hpp>

using namespace shoal::webhooks;

TEST_CASE("RetryBackoff: exponential ceilings up to the maximum", "[supervisor][webhooks]") {
    RetryBackoff b(1);
    REQUIRE(b.ceiling_ms(1) == 250);
    REQUIRE(b.ceiling_ms(2) == 500);
    REQUIRE(b.ceiling_ms(3) == 1000);
    REQUIRE(b.ceiling_ms(9) == 60'000);
    REQUIRE(b.ceiling_ms(60) == 60'000);
}

TEST_CASE("RetryBackoff: every delay lies in [ceiling/2, ceiling] and is jittered",
          "[supervisor][webhooks]") {
    RetryBackoff b(42);
    std::set<std::uint64_t> seen;
    for (std::uint32_t f = 1; f < 12; ++f) {
        for (int i = 0; i < 200; ++i) {
            const std::uint64_t d = b.delay_ms(f);
            REQUIRE(d >= b.ceiling_ms(f) / 2);
            REQUIRE(d <= b.ceiling_ms(f));
            if (f == 5) seen.insert(d);
        }
    }
    REQUIRE(seen.size() > 50);  // spread, not one value
    RetryBackoff x(1), y(2);
    int same = 0;
    for (int i = 0; i < 100; ++i)
        same += x.delay_ms(6) == y.delay_ms(6);
    REQUIRE(same < 10);
}

TEST_CASE("RetryBackoff: the same seed gives the same delays", "[supervisor][webhooks]") {
    RetryBackoff x(7), y(7);
    for (std::uint32_t f = 1; f < 20; ++f)
        REQUIRE(x.delay_ms(f) == y.delay_ms(f));
}
