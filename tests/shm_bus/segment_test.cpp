// SPDX-License-Identifier: MIT
// test-labels: unit shm_bus
#include "shm_bus/segment.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <catch2/catch.hpp>

#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "tests/shm_bus/collect_sink.hpp"
#include "tests/support/test_segment.hpp"

using shoal::bus::BusConfig;
using shoal::bus::Segment;
using shoal::bus::SlotState;
using shoal::common::Errc;
using shoal::test::SegmentName;

namespace {
BusConfig small_config() {
    BusConfig c;
    c.slots = 3;
    c.ring_bytes = 64 * 1024;
    c.max_record_bytes = 1024;
    return c;
}
}  // namespace

TEST_CASE("Segment: create gives zeroed slots and rings, and attach sees the same memory",
          "[shm_bus][segment]") {
    SegmentName name("basic");
    auto seg = Segment::create(name.str(), small_config());
    REQUIRE(seg.ok());
    REQUIRE(seg->config() == small_config());
    REQUIRE(seg->creator_pid() == static_cast<std::uint64_t>(::getpid()));
    for (std::uint32_t i = 0; i < 3; ++i) {
        REQUIRE(seg->slot(i).state.load() == SlotState::Empty);
        REQUIRE(seg->slot(i).pid.load() == 0);
    }
    for (std::uint32_t r = 0; r < 4; ++r)
        REQUIRE(seg->ring_header(r).tail.load() == 0);
    // Payloads sit on 64-byte boundaries (record start is 32 mod 64, the header is 32 bytes).
    REQUIRE(reinterpret_cast<std::uintptr_t>(seg->ring_data(0)) % 64 == 32);

    seg->slot(1).epoch.store(7);
    auto other = Segment::attach(name.str(), small_config());
    REQUIRE(other.ok());
    REQUIRE(other->slot(1).epoch.load() == 7);
    other->slot(2).heartbeat_ns.store(99);
    REQUIRE(seg->slot(2).heartbeat_ns.load() == 99);
}

TEST_CASE("Segment: each slot embeds a counter block at a pinned offset, zero when created",
          "[shm_bus][segment]") {
    using shoal::common::Counter;
    // Layout 2: the block sits after read_position, on its own cache lines.
    STATIC_REQUIRE(shoal::bus::kLayoutVersion == 2);
    STATIC_REQUIRE(sizeof(shoal::bus::SlotRecord) == 1280);
    STATIC_REQUIRE(offsetof(shoal::bus::SlotRecord, counters) == 768);
    STATIC_REQUIRE(offsetof(shoal::bus::SlotRecord, read_position) +
                       sizeof(shoal::bus::SlotRecord::read_position) <=
                   768);
    SegmentName name("counters");
    auto seg = Segment::create(name.str(), small_config());
    REQUIRE(seg.ok());
    for (std::uint32_t i = 0; i < 3; ++i)
        for (std::size_t c = 0; c < shoal::common::kCounterCapacity; ++c)
            REQUIRE(seg->slot(i).counters.cells[c].load() == 0);
    // The slot table is contiguous: slot 1's block is 1280 bytes after slot 0's.
    auto* b0 = reinterpret_cast<std::byte*>(&seg->slot(0).counters);
    auto* b1 = reinterpret_cast<std::byte*>(&seg->slot(1).counters);
    REQUIRE(b1 - b0 == 1280);
    REQUIRE(reinterpret_cast<std::uintptr_t>(b0) % 64 == 0);
    // A writer in one mapping is seen by a read-only observer of the same segment.
    seg->slot(2).counters.add(Counter::ConnectionsAccepted, 3);
    auto ro = Segment::attach_readonly(name.str());
    REQUIRE(ro.ok());
    REQUIRE(ro->slot(2).counters.get(Counter::ConnectionsAccepted) == 3);
    REQUIRE(ro->slot(1).counters.get(Counter::ConnectionsAccepted) == 0);
}

TEST_CASE("Segment: a second create of the same name fails with AlreadyExists",
          "[shm_bus][segment]") {
    SegmentName name("twice");
    auto first = Segment::create(name.str(), small_config());
    REQUIRE(first.ok());
    auto second = Segment::create(name.str(), small_config());
    REQUIRE_FALSE(second.ok());
    REQUIRE(second.error().code == Errc::AlreadyExists);
}

TEST_CASE("Segment: attaching with other sizes is a layout mismatch", "[shm_bus][segment]") {
    SegmentName name("mismatch");
    auto seg = Segment::create(name.str(), small_config());
    REQUIRE(seg.ok());
    BusConfig other = small_config();
    SECTION("slots") {
        other.slots = 2;
    }
    SECTION("ring bytes") {
        other.ring_bytes = 128 * 1024;
    }
    SECTION("max record") {
        other.max_record_bytes = 2048;
    }
    SECTION("record schema (a worker of another version)") {
        other.record_schema = small_config().record_schema + 1;
    }
    auto r = Segment::attach(name.str(), other);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().code == Errc::BusLayoutMismatch);
}

TEST_CASE("Segment: attaching a missing name fails with NotFound", "[shm_bus][segment]") {
    SegmentName name("missing");
    auto r = Segment::attach(name.str(), small_config());
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().code == Errc::NotFound);
    REQUIRE_FALSE(Segment::attach_readonly(name.str()).ok());
    REQUIRE_FALSE(Segment::remove(name.str()));
}

TEST_CASE("Segment: a segment whose creator died before writing the magic is refused",
          "[shm_bus][segment]") {
    namespace ipc = boost::interprocess;
    SegmentName name("nomagic");
    {
        ipc::shared_memory_object shm(ipc::create_only, name.str().c_str(), ipc::read_write);
        shm.truncate(1 << 20);
    }
    auto r = Segment::attach(name.str(), small_config());
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().code == Errc::BusLayoutMismatch);
    auto ro = Segment::attach_readonly(name.str());
    REQUIRE_FALSE(ro.ok());
    REQUIRE(ro.error().code == Errc::BusLayoutMismatch);
}

TEST_CASE("Segment: a header with garbage sizes is refused by the read-only attach",
          "[shm_bus][segment]") {
    SegmentName name("garbage");
    auto seg = Segment::create(name.str(), small_config());
    REQUIRE(seg.ok());
    SECTION("ring bytes not a power of two") {
        std::uint64_t bad = 3 * 65536;
        std::memcpy(seg->base() + 16, &bad, 8);
    }
    SECTION("an object shorter than its header says") {
        std::uint32_t slots = 60;
        std::memcpy(seg->base() + 12, &slots, 4);
    }
    auto r = Segment::attach_readonly(name.str());
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().code == Errc::BusLayoutMismatch);
}

TEST_CASE(
    "Segment: an observer attaches read-only with the sizes from the header and sees "
    "another process's writes",
    "[shm_bus][segment]") {
    SegmentName name("observer");
    auto seg = Segment::create(name.str(), small_config());
    REQUIRE(seg.ok());
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto mine = Segment::attach(name.str(), small_config());
        if (!mine.ok()) ::_exit(2);
        mine->slot(0).pid.store(static_cast<std::uint32_t>(::getpid()));
        mine->slot(0).state.store(SlotState::Running);
        shoal::bus::RingWriter w(mine.value(), 1, 1);
        if (!w.recover().ok() || !w.try_write(7, std::as_bytes(std::span("hello")))) ::_exit(3);
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    auto ro = Segment::attach_readonly(name.str());
    REQUIRE(ro.ok());
    REQUIRE(ro->read_only());
    REQUIRE(ro->config() == small_config());
    const Segment& view = ro.value();
    REQUIRE(view.slot(0).pid.load() == static_cast<std::uint32_t>(child));
    REQUIRE(view.slot(0).state.load() == SlotState::Running);
    REQUIRE(view.ring_header(1).tail.load() == 64);
    shoal::bus::RingReader reader(view, 1);  // an observer may read rings too
    reader.start_at(0);
    shoal::test::CollectSink sink;
    REQUIRE(reader.poll(sink, 10) == 1);
    REQUIRE(sink.records[0].type == 7);
    REQUIRE(sink.records[0].payload.size() == 6);
}

TEST_CASE("Segment: remove unlinks the name while existing mappings stay usable",
          "[shm_bus][segment]") {
    SegmentName name("remove");
    auto seg = Segment::create(name.str(), small_config());
    REQUIRE(seg.ok());
    REQUIRE(Segment::remove(name.str()));
    REQUIRE(Segment::attach(name.str(), small_config()).error().code == Errc::NotFound);
    seg->slot(0).connections.store(5);
    REQUIRE(seg->slot(0).connections.load() == 5);
    Segment moved = std::move(seg.value());
    REQUIRE(moved.slot(0).connections.load() == 5);
}

TEST_CASE("Segment: names with a slash or no characters are refused", "[shm_bus][segment]") {
    REQUIRE(Segment::create("", small_config()).error().code == Errc::InvalidArgument);
    REQUIRE(Segment::create("a/b", small_config()).error().code == Errc::InvalidArgument);
}
