// SPDX-License-Identifier: MIT
// test-labels: unit common
#include "common/counters.hpp"

#include <set>
#include <string>

#include <catch2/catch.hpp>

using shoal::common::Counter;
using shoal::common::CounterBlock;
using shoal::common::CounterValues;
using shoal::common::kCounterCapacity;
using shoal::common::kCounterCount;

namespace {
bool snake_case(std::string_view s) {
    if (s.empty() || s.front() < 'a' || s.front() > 'z' || s.back() == '_') return false;
    char prev = 0;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok || (c == '_' && prev == '_')) return false;
        prev = c;
    }
    return true;
}
}  // namespace

TEST_CASE("counters: every counter has a unique snake_case name", "[common][counters]") {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const std::string_view n = shoal::common::name(static_cast<Counter>(i));
        INFO(n);
        REQUIRE(snake_case(n));
        REQUIRE(seen.insert(std::string(n)).second);
        // Prometheus: monotonic counters end in _total, the high-water mark does not.
        REQUIRE(n.ends_with("_total") != shoal::common::is_high_water(static_cast<Counter>(i)));
    }
    REQUIRE(seen.size() == kCounterCount);
    REQUIRE(kCounterCount <= kCounterCapacity);
    REQUIRE(shoal::common::name(Counter::kCount) == "unknown");
    REQUIRE(shoal::common::name(Counter::ConnectionsAccepted) == "connections_accepted_total");
}

TEST_CASE("counters: a block starts at zero, adds, and raises a high-water mark only upward",
          "[common][counters]") {
    CounterBlock b{};
    for (std::size_t i = 0; i < kCounterCapacity; ++i)
        REQUIRE(b.cells[i].load() == 0);
    b.add(Counter::ConnectionsAccepted);
    b.add(Counter::ConnectionsAccepted);
    b.add(Counter::SocketBytesIn, 1500);
    b.raise(Counter::SendQueuePeakBytes, 700);
    b.raise(Counter::SendQueuePeakBytes, 300);
    REQUIRE(b.get(Counter::ConnectionsAccepted) == 2);
    REQUIRE(b.get(Counter::SocketBytesIn) == 1500);
    REQUIRE(b.get(Counter::SendQueuePeakBytes) == 700);
    REQUIRE(b.get(Counter::BusRecordsLost) == 0);

    const CounterValues v = shoal::common::read_all(b);
    REQUIRE(v[static_cast<std::size_t>(Counter::ConnectionsAccepted)] == 2);

    SECTION("host totals sum the counters and take the largest high-water mark") {
        CounterBlock other{};
        other.add(Counter::ConnectionsAccepted, 5);
        other.raise(Counter::SendQueuePeakBytes, 400);
        CounterValues total{};
        shoal::common::accumulate(total, v);
        shoal::common::accumulate(total, shoal::common::read_all(other));
        REQUIRE(total[static_cast<std::size_t>(Counter::ConnectionsAccepted)] == 7);
        REQUIRE(total[static_cast<std::size_t>(Counter::SocketBytesIn)] == 1500);
        REQUIRE(total[static_cast<std::size_t>(Counter::SendQueuePeakBytes)] == 700);
    }
}
