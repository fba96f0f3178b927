// SPDX-License-Identifier: MIT
// test-labels: unit shm_bus
// test-support: alloc_counter
// The ring's hot path (STYLE 6): writing, publishing, polling, resyncing after a lap and
// notifying allocate nothing per message once the writer, reader and wake-up exist.
#include <cstring>

#include <catch2/catch.hpp>

#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "shm_bus/wakeup.hpp"
#include "tests/support/alloc_counter.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;

namespace {
struct CountingSink {
    std::uint64_t records = 0;
    std::uint64_t lost = 0;
    std::uint64_t bytes = 0;
    void on_record(std::int32_t, std::span<const std::byte> p) noexcept {
        ++records;
        bytes += p.size();
    }
    void on_lost(std::uint64_t r, std::uint64_t) noexcept { lost += r; }
};
}  // namespace

TEST_CASE("ring hot path: write, publish, poll, lap recovery and notify allocate nothing",
          "[shm_bus][ring][alloc]") {
    shoal::test::SegmentName name("hot");
    BusConfig c;
    c.slots = 2;
    c.ring_bytes = 64 * 1024;
    c.max_record_bytes = 4096;
    auto seg = Segment::create(name.str(), c);
    REQUIRE(seg.ok());
    auto fds = create_wakeup_fds(2);
    REQUIRE(fds.ok());
    RingWriter w(seg.value(), 0, 1);
    REQUIRE(w.recover().ok());
    RingReader r(seg.value(), 0);
    Wakeup wake(seg.value(), fds.value(), 0);
    Wakeup sleeper(seg.value(), fds.value(), 1);
    CountingSink sink;
    alignas(64) std::byte payload[4096];
    std::memset(payload, 3, sizeof payload);

    shoal::test::AllocationScope scope;
    for (int i = 0; i < 20000; ++i) {
        const std::size_t len = 1 + static_cast<std::size_t>(i * 37) % 4096;
        REQUIRE(w.try_write(1, {payload, len}, i % 3 == 0 ? Publish::Now : Publish::Later));
        if (i % 8 == 0) w.publish();
        if (i % 50 == 0) r.poll(sink, 16);  // falls behind and gets lapped again and again
        if (i % 100 == 0) sleeper.prepare_to_sleep();
        wake.notify_idle_readers();
        if (i % 100 == 0) sleeper.clear();
    }
    w.publish();
    r.poll(sink, 100000);
    REQUIRE(scope.count() == 0);
    REQUIRE(sink.records > 0);
    REQUIRE(sink.lost > 0);  // the lap path ran too
    REQUIRE(sink.records + sink.lost == 20000);
    close_wakeup_fds(fds.value());
}
