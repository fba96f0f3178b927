// SPDX-License-Identifier: MIT
// test-labels: unit shm_bus
// White-box: the writer's record encoding, padding on wrap, limits and recover() (C2, C4, C5).
#include "shm_bus/ring_writer.hpp"

#include <cstring>

#include <catch2/catch.hpp>

#include "shm_bus/ring_reader.hpp"
#include "tests/shm_bus/collect_sink.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;
using shoal::common::Errc;
using shoal::test::bytes_of;
using shoal::test::CollectSink;
using shoal::test::SegmentName;

namespace {
constexpr std::uint64_t kRing = 64 * 1024;

BusConfig config() {
    BusConfig c;
    c.slots = 1;
    c.ring_bytes = kRing;
    c.max_record_bytes = 1024;
    return c;
}

RecordHeader header_at(const Segment& seg, std::uint64_t position) {
    RecordHeader h;
    std::memcpy(&h, seg.ring_data(0) + (position & (kRing - 1)), sizeof h);
    return h;
}
}  // namespace

TEST_CASE(
    "RingWriter: a record is a 32-byte header with its absolute position, then the payload, "
    "published by tail",
    "[shm_bus][ring]") {
    SegmentName name("w-encode");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    RingWriter w(seg.value(), 0, 3);
    REQUIRE(w.recover().ok());
    const auto payload = bytes_of(10, 0xab);
    REQUIRE(w.try_write(5, payload));
    REQUIRE(w.try_write(6, bytes_of(40, 0xcd)));

    const RingHeader& rh = seg->ring_header(0);
    REQUIRE(rh.tail.load() == 64 + 128);     // 32 + 40 bytes round up to 128
    REQUIRE(rh.tail_intent.load() == 4096);  // moves in steps of min(16 KiB, ring / 16)
    REQUIRE(rh.latest.load() == 64);
    REQUIRE(rh.writer_epoch.load() == 3);
    const RecordHeader h0 = header_at(seg.value(), 0);
    REQUIRE(h0.position == 0);
    REQUIRE(h0.seq == 0);
    REQUIRE(h0.length == 10);
    REQUIRE(h0.type == 5);
    REQUIRE(h0.epoch == 3);
    REQUIRE(std::memcmp(seg->ring_data(0) + 32, payload.data(), 10) == 0);
    const RecordHeader h1 = header_at(seg.value(), 64);
    REQUIRE(h1.position == 64);
    REQUIRE(h1.seq == 1);
    REQUIRE(h1.length == 40);
    REQUIRE(reinterpret_cast<std::uintptr_t>(seg->ring_data(0) + 64 + 32) % 64 == 0);
}

TEST_CASE("RingWriter: a record over the maximum is refused with TooLarge, never truncated",
          "[shm_bus][ring]") {
    SegmentName name("w-large");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    RingWriter w(seg.value(), 0, 1);
    REQUIRE(w.recover().ok());
    auto claim = w.claim(1, 1025);
    REQUIRE_FALSE(claim.ok());
    REQUIRE(claim.error().code == Errc::TooLarge);
    REQUIRE_FALSE(w.try_write(1, bytes_of(4096, 1)));
    REQUIRE(seg->ring_header(0).tail.load() == 0);
    REQUIRE(seg->ring_header(0).tail_intent.load() == 0);
    REQUIRE(w.try_write(1, bytes_of(1024, 1)));  // the maximum itself is fine
}

TEST_CASE(
    "RingWriter: a record that does not fit before the end of the buffer follows a padding "
    "record and starts at offset 0",
    "[shm_bus][ring]") {
    SegmentName name("w-wrap");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    RingWriter w(seg.value(), 0, 1);
    REQUIRE(w.recover().ok());
    // 1024-byte payloads take 1088 bytes: 60 of them end at 65280, 256 bytes before the end.
    for (int i = 0; i < 60; ++i)
        REQUIRE(w.try_write(1, bytes_of(1024, 7)));
    REQUIRE(w.tail() == 65280);
    REQUIRE(w.try_write(2, bytes_of(1000, 8)));
    const RecordHeader pad = header_at(seg.value(), 65280);
    REQUIRE(pad.type == kPaddingType);
    REQUIRE(pad.position == 65280);
    REQUIRE(pad.length == 256 - 32);
    const RecordHeader rec = header_at(seg.value(), kRing);
    REQUIRE(rec.position == kRing);
    REQUIRE(rec.type == 2);
    REQUIRE(rec.seq == 60);
    REQUIRE(seg->ring_header(0).tail.load() == kRing + 1088);
}

TEST_CASE("RingWriter: commit may shrink a claim and abort turns it into padding",
          "[shm_bus][ring]") {
    SegmentName name("w-claim");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    RingWriter w(seg.value(), 0, 1);
    REQUIRE(w.recover().ok());
    auto span = w.claim(9, 1000);
    REQUIRE(span.ok());
    REQUIRE(span->size() == 1000);
    std::memset(span->data(), 0x11, 20);
    w.commit(20);
    REQUIRE(seg->ring_header(0).tail.load() == 64);
    REQUIRE(seg->ring_header(0).tail_intent.load() >= 1088);  // never moves backwards

    auto dropped = w.claim(9, 100);
    REQUIRE(dropped.ok());
    w.abort();
    REQUIRE(header_at(seg.value(), 64).type == kPaddingType);
    REQUIRE(w.try_write(4, bytes_of(8, 0x22)));

    RingReader r(seg.value(), 0);
    r.start_at(0);
    CollectSink sink;
    REQUIRE(r.poll(sink, 10) == 2);
    REQUIRE(sink.records[0].type == 9);
    REQUIRE(sink.records[0].payload == bytes_of(20, 0x11));
    REQUIRE(sink.records[1].type == 4);
    REQUIRE(sink.lost_calls == 0);
}

TEST_CASE(
    "RingWriter: recover() pads a record a killed writer left half written and continues "
    "the sequence",
    "[shm_bus][ring]") {
    SegmentName name("w-recover");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    {
        RingWriter dead(seg.value(), 0, 1);
        REQUIRE(dead.recover().ok());
        REQUIRE(dead.try_write(1, bytes_of(100, 1)));
        auto span = dead.claim(1, 500);  // the writer dies here: claimed, half written
        REQUIRE(span.ok());
        std::memset(span->data(), 0xee, 250);
    }
    RingReader r(seg.value(), 0);
    r.start_at(0);
    CollectSink sink;
    REQUIRE(r.poll(sink, 10) == 1);
    REQUIRE(seg->ring_header(0).tail.load() == 192);
    const std::uint64_t intent = seg->ring_header(0).tail_intent.load();
    REQUIRE(intent >= 192 + 576);

    RingWriter next(seg.value(), 0, 2);
    REQUIRE(next.recover().ok());
    REQUIRE(seg->ring_header(0).tail.load() == intent);
    REQUIRE(header_at(seg.value(), 192).type == kPaddingType);
    REQUIRE(header_at(seg.value(), 192).length == intent - 192 - 32);
    REQUIRE(next.records_written() == 1);
    REQUIRE(next.try_write(2, bytes_of(30, 2)));
    REQUIRE(header_at(seg.value(), intent).seq == 1);
    REQUIRE(r.poll(sink, 10) == 1);
    REQUIRE(sink.records.size() == 2);
    REQUIRE(sink.records[1].type == 2);
    REQUIRE(sink.lost_calls == 0);
}

TEST_CASE("RingWriter: records committed with Publish::Later stay invisible until publish()",
          "[shm_bus][ring]") {
    SegmentName name("w-later");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    RingWriter w(seg.value(), 0, 1);
    REQUIRE(w.recover().ok());
    RingReader r(seg.value(), 0);
    CollectSink sink;
    REQUIRE(w.try_write(1, bytes_of(10, 1), Publish::Later));
    REQUIRE(w.try_write(2, bytes_of(10, 2), Publish::Later));
    REQUIRE(w.has_unpublished());
    REQUIRE(seg->ring_header(0).tail.load() == 0);
    REQUIRE(r.poll(sink, 10) == 0);
    w.publish();
    REQUIRE_FALSE(w.has_unpublished());
    REQUIRE(seg->ring_header(0).tail.load() == 128);
    REQUIRE(seg->ring_header(0).latest.load() == 64);
    REQUIRE(r.poll(sink, 10) == 2);
    REQUIRE(sink.records[1].type == 2);
}

TEST_CASE(
    "RingWriter: a writer killed between storing latest and tail leaves no unpublished "
    "record reachable, and the sequence continues",
    "[shm_bus][ring]") {
    SegmentName name("w-recover-latest");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    RingHeader& rh = seg->ring_header(0);
    std::uint64_t unpublished = 0;
    {
        RingWriter dead(seg.value(), 0, 1);
        REQUIRE(dead.recover().ok());
        REQUIRE(dead.try_write(1, bytes_of(10, 1)));
        REQUIRE(dead.try_write(1, bytes_of(10, 2), Publish::Later));
        unpublished = dead.tail();
        REQUIRE(dead.try_write(1, bytes_of(10, 3), Publish::Later));
        rh.latest.store(unpublished);  // publish() got as far as its first store
    }
    RingWriter next(seg.value(), 0, 2);
    REQUIRE(next.recover().ok());
    REQUIRE(rh.latest.load() == rh.tail.load());  // names no record

    RingReader r(seg.value(), 0);
    // A reader at 0 finds a corrupted header there and resyncs: to tail, never to record 1.
    reinterpret_cast<RecordHeader*>(seg->ring_data(0))->position = 999;
    r.start_at(0);
    CollectSink sink;
    REQUIRE(r.poll(sink, 10) == 0);
    REQUIRE(r.position() == rh.tail.load());
    REQUIRE(next.try_write(4, bytes_of(10, 4)));
    REQUIRE(r.poll(sink, 10) == 1);
    REQUIRE(sink.records[0].type == 4);
    REQUIRE(header_at(seg.value(), rh.latest.load()).seq == 3);  // seqs 1, 2 were consumed
}

TEST_CASE(
    "RingWriter: recover() covers a torn range that crosses the end of the buffer with two "
    "padding records",
    "[shm_bus][ring]") {
    SegmentName name("w-recover-wrap");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    RingHeader& rh = seg->ring_header(0);
    rh.tail.store(3 * kRing - 128);
    rh.tail_intent.store(3 * kRing + 256);
    rh.latest.store(3 * kRing - 192);
    RingWriter w(seg.value(), 0, 5);
    REQUIRE(w.recover().ok());
    REQUIRE(rh.tail.load() == 3 * kRing + 256);
    const RecordHeader a = header_at(seg.value(), 3 * kRing - 128);
    REQUIRE(a.type == kPaddingType);
    REQUIRE(a.length == 128 - 32);
    const RecordHeader b = header_at(seg.value(), 3 * kRing);
    REQUIRE(b.type == kPaddingType);
    REQUIRE(b.position == 3 * kRing);
    REQUIRE(b.length == 256 - 32);
}

TEST_CASE(
    "RingWriter: recover() on nonsense positions restarts a full ring ahead, so readers see "
    "a lap",
    "[shm_bus][ring]") {
    SegmentName name("w-recover-bad");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    RingHeader& rh = seg->ring_header(0);
    rh.tail.store(5000);
    rh.tail_intent.store(100);  // behind tail: cannot happen without corruption
    RingWriter w(seg.value(), 0, 2);
    REQUIRE(w.recover().ok());
    REQUIRE(rh.tail.load() == 5056 + kRing);
    REQUIRE(rh.tail_intent.load() == 5056 + kRing);
    REQUIRE(w.try_write(1, bytes_of(10, 1)));

    rh.tail.store(1ull << 63);
    RingWriter overflowed(seg.value(), 0, 3);
    REQUIRE(overflowed.recover().error().code == Errc::BusLayoutMismatch);
}
