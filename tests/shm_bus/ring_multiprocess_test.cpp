// SPDX-License-Identifier: MIT
// test-labels: integration shm_bus
// test-timeout: 120
// Real processes: one writer and three readers, each attached by name. Every record checks itself
// (sequence number, length, type, checksum); loss reports are checked to be exact.
#include <signal.h>

#include <array>
#include <atomic>

#include <catch2/catch.hpp>

#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "tests/shm_bus/child_processes.hpp"
#include "tests/shm_bus/ring_harness.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;
using namespace shoal::test;

namespace {
constexpr std::size_t kMax = 512;
constexpr std::uint32_t kWriterSlot = 0;
constexpr std::array<std::uint32_t, 3> kReaderSlots{1, 2, 3};

BusConfig config() {
    BusConfig c;
    c.slots = 4;
    c.ring_bytes = 1 << 20;
    c.max_record_bytes = kMax;
    return c;
}

struct Control {
    std::atomic<std::uint32_t> first_phase{0};
    std::atomic<std::uint32_t> stopped{0};
    std::atomic<std::uint32_t> lapped{0};
    std::atomic<std::uint32_t> resumed{0};
};

bool wait_flag(const std::atomic<std::uint32_t>& flag, std::uint64_t timeout_ns) {
    const std::uint64_t end = shoal::common::monotonic_ns() + timeout_ns;
    while (flag.load(std::memory_order_acquire) == 0) {
        if (shoal::common::monotonic_ns() > end) return false;
        ::sched_yield();
    }
    return true;
}

int run_reader(const std::string& name, std::uint32_t slot, ReaderResult* out) {
    auto seg = Segment::attach(name, config());
    if (!seg.ok()) return 2;
    RingReader reader(seg.value(), 0);
    reader.start_at(0);
    CheckingSink sink{out, kMax};
    SlotRecord& mine = seg->slot(slot);
    mine.read_position[0].store(0);
    mine.state.store(SlotState::Running);
    const std::uint64_t deadline = shoal::common::monotonic_ns() + 90'000'000'000ull;
    while (out->done.load(std::memory_order_relaxed) == 0) {
        const std::size_t n = reader.poll(sink, 4096);
        mine.read_position[0].store(reader.position(), std::memory_order_relaxed);
        if (n == 0) {
            if (shoal::common::monotonic_ns() > deadline) return 9;
            ::sched_yield();
        }
    }
    return 0;
}

bool readers_running(const Segment& seg) {
    for (std::uint32_t s : kReaderSlots)
        if (seg.slot(s).state.load() != SlotState::Running) return false;
    return true;
}

// Writes [from, to) with flow control on `watched` readers; with Publish::Later, records become
// visible 32 at a time, as a worker publishes once per loop iteration.
void write_range(RingWriter& w, const Segment& seg, std::uint64_t from, std::uint64_t to,
                 std::span<const std::uint32_t> watched, Publish when) {
    for (std::uint64_t seq = from; seq < to; ++seq) {
        if (seq % 32 == 0) {
            w.publish();
            wait_for_readers(seg, w.tail(), 0, watched);
        }
        write_checked(w, seq, kMax, when);
    }
    w.publish();
}

void write_done(RingWriter& w, const Segment& seg, std::span<const std::uint32_t> watched) {
    wait_for_readers(seg, w.tail(), 0, watched);
    REQUIRE(w.try_write(kDoneType, {}));
}
}  // namespace

TEST_CASE(
    "ring processes: one writer moves 10 million records of random sizes to three reader "
    "processes with zero loss when readers keep up",
    "[shm_bus][ring][multiprocess]") {
    constexpr std::uint64_t kRecords = 10'000'000;
    SegmentName name("mp-keepup");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    SharedBlock<ReaderResult> results(3);
    ChildProcesses children;
    std::array<pid_t, 3> readers{};
    for (int i = 0; i < 3; ++i)
        readers[i] =
            children.spawn([&, i] { return run_reader(name.str(), kReaderSlots[i], &results[i]); });
    const pid_t writer = children.spawn([&] {
        auto mine = Segment::attach(name.str(), config());
        if (!mine.ok()) return 2;
        RingWriter w(mine.value(), 0, 1);
        if (!w.recover().ok()) return 3;
        while (!readers_running(mine.value()))
            ::sched_yield();
        write_range(w, mine.value(), 0, kRecords, kReaderSlots, Publish::Later);
        write_done(w, mine.value(), kReaderSlots);
        return 0;
    });
    REQUIRE(children.wait(writer, 100000) == 0);
    for (int i = 0; i < 3; ++i) {
        INFO("reader " << i);
        REQUIRE(children.wait(readers[i], 20000) == 0);
        REQUIRE(results[i].bad.load() == 0);
        REQUIRE(results[i].received.load() == kRecords);
        REQUIRE(results[i].lost_calls.load() == 0);
        REQUIRE(results[i].last_seq.load() == kRecords - 1);
    }
    REQUIRE(seg->ring_header(0).tail.load() > 100 * config().ring_bytes);  // many wrap-arounds
}

TEST_CASE(
    "ring processes: a SIGSTOPped reader is lapped, counts exactly what it lost and "
    "resumes, while the other readers lose nothing",
    "[shm_bus][ring][multiprocess]") {
    constexpr std::uint64_t kBefore = 200'000;
    constexpr std::uint64_t kWhileStopped = 300'000;  // many full rings
    constexpr std::uint64_t kAfter = 200'000;
    constexpr std::uint64_t kTotal = kBefore + kWhileStopped + kAfter;
    SegmentName name("mp-sigstop");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    SharedBlock<ReaderResult> results(3);
    SharedBlock<Control> control(1);
    ChildProcesses children;
    std::array<pid_t, 3> readers{};
    for (int i = 0; i < 3; ++i)
        readers[i] =
            children.spawn([&, i] { return run_reader(name.str(), kReaderSlots[i], &results[i]); });
    const pid_t writer = children.spawn([&] {
        auto mine = Segment::attach(name.str(), config());
        if (!mine.ok()) return 2;
        RingWriter w(mine.value(), 0, 1);
        if (!w.recover().ok()) return 3;
        while (!readers_running(mine.value()))
            ::sched_yield();
        const std::array<std::uint32_t, 2> others{kReaderSlots[0], kReaderSlots[1]};
        write_range(w, mine.value(), 0, kBefore, kReaderSlots, Publish::Now);
        control[0].first_phase.store(1, std::memory_order_release);
        if (!wait_flag(control[0].stopped, 60'000'000'000ull)) return 4;
        write_range(w, mine.value(), kBefore, kBefore + kWhileStopped, others, Publish::Now);
        control[0].lapped.store(1, std::memory_order_release);
        if (!wait_flag(control[0].resumed, 60'000'000'000ull)) return 5;
        write_range(w, mine.value(), kBefore + kWhileStopped, kTotal, kReaderSlots, Publish::Now);
        write_done(w, mine.value(), kReaderSlots);
        return 0;
    });
    // Stop the third reader once the first phase is written (flow control waited for it).
    REQUIRE(wait_flag(control[0].first_phase, 60'000'000'000ull));
    REQUIRE(::kill(readers[2], SIGSTOP) == 0);
    control[0].stopped.store(1, std::memory_order_release);
    REQUIRE(wait_flag(control[0].lapped, 60'000'000'000ull));
    const std::uint64_t stopped_at = seg->slot(kReaderSlots[2]).read_position[0].load();
    REQUIRE(seg->ring_header(0).tail.load() - stopped_at > 2 * config().ring_bytes);
    REQUIRE(::kill(readers[2], SIGCONT) == 0);
    control[0].resumed.store(1, std::memory_order_release);

    REQUIRE(children.wait(writer, 60000) == 0);
    for (int i = 0; i < 3; ++i) {
        INFO("reader " << i);
        REQUIRE(children.wait(readers[i], 20000) == 0);
        REQUIRE(results[i].bad.load() == 0);  // each record, and each loss report, was exact
        REQUIRE(results[i].last_seq.load() == kTotal - 1);
    }
    for (int i = 0; i < 2; ++i) {
        REQUIRE(results[i].received.load() == kTotal);
        REQUIRE(results[i].lost_records.load() == 0);
    }
    const ReaderResult& lapped = results[2];
    REQUIRE(lapped.lost_calls.load() >= 1);
    REQUIRE(lapped.lost_records.load() > 0);
    REQUIRE(lapped.received.load() + lapped.lost_records.load() == kTotal);
    REQUIRE(lapped.lost_bytes.load() > 2 * config().ring_bytes);
}
