// SPDX-License-Identifier: MIT
// test-labels: unit shm_bus
// test-timeout: 120
// The thread-based twin of ring_multiprocess_test, for ThreadSanitizer (which cannot see races
// across processes): one writer thread, three reader threads, self-checking records; readers that
// keep up lose nothing, a paused reader is lapped and accounts for exactly what it lost.
#include <poll.h>

#include <array>
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "shm_bus/wakeup.hpp"
#include "tests/shm_bus/ring_harness.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;
using namespace shoal::test;

namespace {
constexpr std::size_t kMax = 512;
constexpr std::array<std::uint32_t, 3> kReaderSlots{1, 2, 3};

#if defined(SHOAL_SANITIZE_thread)
constexpr std::uint64_t kRecords = 200'000;  // TSan runs several times slower
#else
constexpr std::uint64_t kRecords = 1'000'000;
#endif

BusConfig config() {
    BusConfig c;
    c.slots = 4;
    c.ring_bytes = 256 * 1024;
    c.max_record_bytes = kMax;
    return c;
}

void read_until_done(Segment& seg, std::uint32_t slot, ReaderResult& out,
                     std::atomic<std::uint32_t>* pause) {
    RingReader reader(seg, 0);
    reader.start_at(0);
    CheckingSink sink{&out, kMax};
    SlotRecord& mine = seg.slot(slot);
    while (out.done.load(std::memory_order_relaxed) == 0) {
        if (pause != nullptr && pause->load(std::memory_order_acquire) == 1) {
            pause->store(2, std::memory_order_release);  // acknowledged: now paused
            while (pause->load(std::memory_order_acquire) != 0)
                std::this_thread::yield();
        }
        const std::size_t n = reader.poll(sink, 1024);
        mine.read_position[0].store(reader.position(), std::memory_order_relaxed);
        if (n == 0) std::this_thread::yield();
    }
}
}  // namespace

TEST_CASE(
    "ring threads: one writer and three reader threads move self-checking records with zero "
    "loss when readers keep up",
    "[shm_bus][ring][threads]") {
    SegmentName name("th-keepup");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    std::array<ReaderResult, 3> results;
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i)
        threads.emplace_back(
            [&, i] { read_until_done(seg.value(), kReaderSlots[i], results[i], nullptr); });
    RingWriter w(seg.value(), 0, 1);
    REQUIRE(w.recover().ok());
    for (std::uint64_t seq = 0; seq < kRecords; ++seq) {
        if (seq % 64 == 0) {
            w.publish();
            wait_for_readers(seg.value(), w.tail(), 0, kReaderSlots);
        }
        write_checked(w, seq, kMax, Publish::Later);
    }
    w.publish();
    wait_for_readers(seg.value(), w.tail(), 0, kReaderSlots);
    REQUIRE(w.try_write(kDoneType, {}));
    for (auto& t : threads)
        t.join();
    for (auto& r : results) {
        REQUIRE(r.bad.load() == 0);
        REQUIRE(r.received.load() == kRecords);
        REQUIRE(r.lost_calls.load() == 0);
    }
}

TEST_CASE(
    "ring threads: a paused reader thread is lapped and accounts exactly for its loss while "
    "the writer races it",
    "[shm_bus][ring][threads]") {
    SegmentName name("th-lap");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    std::array<ReaderResult, 3> results;
    std::atomic<std::uint32_t> pause{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i)
        threads.emplace_back([&, i] {
            read_until_done(seg.value(), kReaderSlots[i], results[i], i == 2 ? &pause : nullptr);
        });
    RingWriter w(seg.value(), 0, 1);
    REQUIRE(w.recover().ok());
    const std::array<std::uint32_t, 2> others{kReaderSlots[0], kReaderSlots[1]};
    const std::uint64_t third = kRecords / 3;
    for (std::uint64_t seq = 0; seq < kRecords; ++seq) {
        if (seq == third) {
            pause.store(1, std::memory_order_release);
            while (pause.load(std::memory_order_acquire) != 2)
                std::this_thread::yield();
        }
        if (seq == 2 * third) pause.store(0, std::memory_order_release);
        // Flow control waits for all three readers until the pause: a reader lapped before its
        // first record has no sequence to count its loss from (a thread started late on a fast
        // writer did exactly that). From the pause on it ignores the third reader, afterwards
        // too: it races the writer and may be lapped again mid-copy, which is what this test is
        // for.
        if (seq % 64 == 0) {
            if (seq < third)
                wait_for_readers(seg.value(), w.tail(), 0, kReaderSlots);
            else
                wait_for_readers(seg.value(), w.tail(), 0, others);
        }
        write_checked(w, seq, kMax);
    }
    wait_for_readers(seg.value(), w.tail(), 0, kReaderSlots);
    REQUIRE(w.try_write(kDoneType, {}));
    for (auto& t : threads)
        t.join();
    for (int i = 0; i < 2; ++i) {
        REQUIRE(results[i].bad.load() == 0);
        REQUIRE(results[i].received.load() == kRecords);
    }
    REQUIRE(results[2].bad.load() == 0);
    REQUIRE(results[2].lost_records.load() > 0);
    REQUIRE(results[2].received.load() + results[2].lost_records.load() == kRecords);
}

TEST_CASE("ring threads: a sleeping reader thread is woken for every burst and misses nothing",
          "[shm_bus][wakeup][threads]") {
    SegmentName name("th-wake");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    auto fds = create_wakeup_fds(config().slots);
    REQUIRE(fds.ok());
    ReaderResult result;
    constexpr std::uint64_t kBursts = 200;
    std::thread reader([&] {
        Wakeup wake(seg.value(), fds.value(), 1);
        RingReader r(seg.value(), 0);
        r.start_at(0);
        CheckingSink sink{&result, kMax};
        while (result.done.load(std::memory_order_relaxed) == 0) {
            if (r.poll(sink, 256) > 0) continue;
            wake.prepare_to_sleep();
            if (r.has_data()) {
                wake.cancel_sleep();
                continue;
            }
            pollfd p{wake.fd(), POLLIN, 0};
            if (::poll(&p, 1, 10000) != 1) break;  // a lost wake-up ends the loop early
            wake.clear();
        }
    });
    RingWriter w(seg.value(), 0, 1);
    REQUIRE(w.recover().ok());
    Wakeup wake(seg.value(), fds.value(), 0);
    std::uint64_t seq = 0;
    for (std::uint64_t burst = 0; burst < kBursts; ++burst) {
        for (int i = 0; i < 10; ++i)
            write_checked(w, seq++, kMax);
        wake.notify_idle_readers();
        if (burst % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(w.try_write(kDoneType, {}));
    wake.notify_idle_readers();
    reader.join();
    close_wakeup_fds(fds.value());
    REQUIRE(result.done.load() == 1);
    REQUIRE(result.received.load() == seq);
    REQUIRE(result.bad.load() == 0);
}
