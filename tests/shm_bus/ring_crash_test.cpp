// SPDX-License-Identifier: MIT
// test-labels: integration shm_bus fault
// test-timeout: 120
// kill -9 of a ring's writer, deterministic (between claim and commit) and at random moments,
// again and again: readers in other processes never see a torn or corrupted record, and they
// follow each restarted writer (C4).
#include <signal.h>

#include <array>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "tests/shm_bus/child_processes.hpp"
#include "tests/shm_bus/collect_sink.hpp"
#include "tests/shm_bus/ring_harness.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;
using namespace shoal::test;

namespace {
constexpr std::size_t kMax = 2048;
constexpr std::array<std::uint32_t, 2> kReaderSlots{1, 2};

BusConfig config() {
    BusConfig c;
    c.slots = 3;
    c.ring_bytes = 256 * 1024;
    c.max_record_bytes = kMax;
    return c;
}

int run_reader(const std::string& name, std::uint32_t slot, ReaderResult* out) {
    auto seg = Segment::attach(name, config());
    if (!seg.ok()) return 2;
    RingReader reader(seg.value(), 0);
    reader.start_at(0);
    CheckingSink sink{out, kMax, true};
    SlotRecord& mine = seg->slot(slot);
    mine.state.store(SlotState::Running);
    const std::uint64_t deadline = shoal::common::monotonic_ns() + 90'000'000'000ull;
    while (out->done.load(std::memory_order_relaxed) == 0) {
        const std::size_t n = reader.poll(sink, 1024);
        mine.read_position[0].store(reader.position(), std::memory_order_relaxed);
        if (n == 0) {
            if (shoal::common::monotonic_ns() > deadline) return 9;
            ::sched_yield();
        }
    }
    return 0;
}

// Generation g writes payload sequence numbers g << 32, g << 32 + 1, ...: `count` of them with
// flow control and then a done record, or with count 0 at full speed until it is killed. Odd
// generations publish 8 records at a time, so a kill also strands whole unpublished records.
int run_writer(const std::string& name, std::uint64_t generation, std::uint64_t count) {
    auto seg = Segment::attach(name, config());
    if (!seg.ok()) return 2;
    RingWriter w(seg.value(), 0, generation);
    if (!w.recover().ok()) return 3;
    const std::uint64_t first = generation << 32;
    const Publish when = generation % 2 == 1 ? Publish::Later : Publish::Now;
    for (std::uint64_t seq = first; count == 0 || seq < first + count; ++seq) {
        if (seq % 8 == 0) w.publish();
        if (count != 0 && seq % 64 == 0) wait_for_readers(seg.value(), w.tail(), 0, kReaderSlots);
        write_checked(w, seq, kMax, when);
    }
    w.publish();
    wait_for_readers(seg.value(), w.tail(), 0, kReaderSlots);
    return w.try_write(kDoneType, {}) ? 0 : 4;
}
}  // namespace

TEST_CASE(
    "ring crash: a writer killed between claim and commit exposes nothing, and its "
    "successor recovers the ring",
    "[shm_bus][ring][fault]") {
    SegmentName name("crash-claim");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    ChildProcesses children;
    const pid_t dying = children.spawn([&] {
        auto mine = Segment::attach(name.str(), config());
        if (!mine.ok()) return 2;
        RingWriter w(mine.value(), 0, 1);
        if (!w.recover().ok()) return 3;
        for (std::uint64_t seq = 0; seq < 10; ++seq)
            write_checked(w, seq, kMax);
        auto span = w.claim(test_type(10), test_length(10, kMax));
        std::memset(span.value().data(), 0xdd, span.value().size() / 2);
        ::raise(SIGKILL);  // between steps 1 and 4 of C2
        return 0;
    });
    REQUIRE(children.wait(dying, 10000) == 128 + SIGKILL);
    const RingHeader& rh = seg->ring_header(0);
    REQUIRE(rh.tail_intent.load() > rh.tail.load());  // the torn claim is there, unpublished

    RingReader reader(seg.value(), 0);
    reader.start_at(0);
    SharedBlock<ReaderResult> result(1);
    CheckingSink sink{&result[0], kMax};
    REQUIRE(reader.poll(sink, 100) == 10);
    REQUIRE(reader.poll(sink, 100) == 0);

    const pid_t next = children.spawn([&] {
        auto mine = Segment::attach(name.str(), config());
        if (!mine.ok()) return 2;
        RingWriter w(mine.value(), 0, 2);
        if (!w.recover().ok()) return 3;
        for (std::uint64_t seq = 11; seq < 20; ++seq)
            write_checked(w, seq, kMax);
        return 0;
    });
    REQUIRE(children.wait(next, 10000) == 0);
    REQUIRE(reader.poll(sink, 100) == 9);
    REQUIRE(result[0].bad.load() == 1);  // seq 11 after 9: record 10 never existed for readers
    REQUIRE(result[0].received.load() == 19);
    REQUIRE(result[0].lost_calls.load() == 0);
    REQUIRE(result[0].last_seq.load() == 19);
}

TEST_CASE(
    "ring crash: kill -9 of the writer at random moments, 30 times over: readers in other "
    "processes never see a torn record and pick up every restarted writer",
    "[shm_bus][ring][fault]") {
    constexpr std::uint64_t kKills = 30;
    SegmentName name("crash-random");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    SharedBlock<ReaderResult> results(2);
    ChildProcesses children;
    std::array<pid_t, 2> readers{};
    for (int i = 0; i < 2; ++i)
        readers[i] =
            children.spawn([&, i] { return run_reader(name.str(), kReaderSlots[i], &results[i]); });
    for (std::uint32_t s : kReaderSlots)
        while (seg->slot(s).state.load() != SlotState::Running)
            ::sched_yield();

    const unsigned seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    int torn_kills = 0;  // kills that left a claimed, unpublished range [tail, tail_intent)
    for (std::uint64_t gen = 1; gen <= kKills; ++gen) {
        const std::uint64_t tail_before = seg->ring_header(0).tail.load();
        const pid_t writer = children.spawn([&] { return run_writer(name.str(), gen, 0); });
        // Kill only once this writer has published, so each kill lands mid-stream.
        while (seg->ring_header(0).tail.load() == tail_before)
            ::sched_yield();
        std::this_thread::sleep_for(std::chrono::microseconds(500 + rng() % 8000));
        REQUIRE(children.kill_and_wait(writer, SIGKILL) == 128 + SIGKILL);
        const RingHeader& rh = seg->ring_header(0);
        if (rh.tail_intent.load() > rh.tail.load()) ++torn_kills;
        // Until the next writer's recover() pads it, no reader is past the published tail.
        for (std::uint32_t s : kReaderSlots)
            REQUIRE(seg->slot(s).read_position[0].load() <= rh.tail.load());
    }
    const pid_t last = children.spawn([&] { return run_writer(name.str(), kKills + 1, 20000); });
    REQUIRE(children.wait(last, 60000) == 0);
    for (int i = 0; i < 2; ++i) {
        INFO("reader " << i);
        REQUIRE(children.wait(readers[i], 30000) == 0);
        REQUIRE(results[i].bad.load() == 0);
        REQUIRE(results[i].received.load() >= 20000);
        REQUIRE(results[i].generations.load() >= 2);
        REQUIRE((results[i].last_seq.load() >> 32) == kKills + 1);  // followed the last writer
    }
    INFO("kills that left a torn record behind: " << torn_kills);
    REQUIRE(torn_kills >= 1);
}
