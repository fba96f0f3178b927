// SPDX-License-Identifier: MIT
// test-labels: unit common
#include "common/log_limiter.hpp"

#include <catch2/catch.hpp>

using shoal::common::LogLimiter;

TEST_CASE("log limiter: N a second, then a count of what was held back", "[common]") {
    LogLimiter l(3);
    std::uint64_t dropped = 99;
    int allowed = 0;
    for (int i = 0; i < 10; ++i) {
        allowed += l.allow(5000 + static_cast<std::uint64_t>(i), dropped);
        CHECK(dropped == 0);
    }
    CHECK(allowed == 3);
    CHECK(l.allow(5999, dropped) == false);  // still the same second
    CHECK(l.allow(6000, dropped));
    CHECK(dropped == 8);
    CHECK(l.allow(6001, dropped));
    CHECK(dropped == 0);
    CHECK(l.allow(9000, dropped));  // a quiet second held nothing back
    CHECK(dropped == 0);
    CHECK(l.allow(100, dropped));  // a clock that went back starts a new window
}
