// SPDX-License-Identifier: MIT
// test-labels: unit shm_bus
// White-box: the reader's checks (C3) staged by writing positions and headers straight into the
// ring: wrap-around, lapping, a torn tail, a corrupt length, a stale position, random garbage.
#include "shm_bus/ring_reader.hpp"

#include <cstring>
#include <memory>
#include <random>
#include <utility>

#include <catch2/catch.hpp>

#include "shm_bus/ring_writer.hpp"
#include "tests/shm_bus/collect_sink.hpp"
#include "tests/shm_bus/ring_test_payload.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;
using shoal::test::bytes_of;
using shoal::test::CollectSink;
using shoal::test::SegmentName;

namespace {
constexpr std::uint64_t kRing = 64 * 1024;
constexpr std::size_t kMax = 1024;

BusConfig config() {
    BusConfig c;
    c.slots = 1;
    c.ring_bytes = kRing;
    c.max_record_bytes = kMax;
    return c;
}

void write_test_record(RingWriter& w, std::uint64_t seq) {
    std::vector<std::byte> buf(shoal::test::test_length(seq, kMax));
    shoal::test::fill_payload(seq, buf);
    REQUIRE(w.try_write(shoal::test::test_type(seq), buf));
}

std::uint64_t seq_of(const CollectSink::Record& r) {
    return shoal::test::check_payload(r.type, r.payload, kMax);
}

RecordHeader* header_at(Segment& seg, std::uint64_t position) {
    return reinterpret_cast<RecordHeader*>(seg.ring_data(0) + (position & (kRing - 1)));
}

struct Fixture {
    SegmentName name;
    Segment seg;
    RingWriter writer;
    RingReader reader;
    CollectSink sink;

    explicit Fixture(const char* tag)
        : name(tag),
          seg(std::move(Segment::create(name.str(), config()).value())),
          writer(seg, 0, 1),
          reader(seg, 0) {
        REQUIRE(writer.recover().ok());
    }
};
}  // namespace

TEST_CASE("RingReader: records come back in order, intact, across many wrap-arounds",
          "[shm_bus][ring]") {
    Fixture f("r-wrap");
    std::uint64_t next = 0;
    for (std::uint64_t seq = 0; seq < 5000; ++seq) {
        write_test_record(f.writer, seq);
        if (seq % 7 == 6) f.reader.poll(f.sink, 1000);
    }
    f.reader.poll(f.sink, 1000);
    REQUIRE(f.writer.tail() > 20 * kRing);
    REQUIRE(f.sink.records.size() == 5000);
    for (const auto& r : f.sink.records)
        REQUIRE(seq_of(r) == next++);
    REQUIRE(f.sink.lost_calls == 0);
    REQUIRE(f.reader.position() == f.writer.tail());
}

TEST_CASE("RingReader: a fresh reader starts at the tail and sees only newer records",
          "[shm_bus][ring]") {
    Fixture f("r-fresh");
    for (std::uint64_t seq = 0; seq < 10; ++seq)
        write_test_record(f.writer, seq);
    RingReader late(f.seg, 0);
    REQUIRE_FALSE(late.has_data());
    REQUIRE(late.poll(f.sink, 100) == 0);
    write_test_record(f.writer, 10);
    REQUIRE(late.has_data());
    REQUIRE(late.poll(f.sink, 100) == 1);
    REQUIRE(seq_of(f.sink.records[0]) == 10);
}

TEST_CASE(
    "RingReader: a sink derived from RingSink works as well as any type with the two "
    "members",
    "[shm_bus][ring]") {
    struct Virtual final : RingSink {
        std::uint64_t records = 0;
        void on_record(std::int32_t, std::span<const std::byte>) noexcept override { ++records; }
        void on_lost(std::uint64_t, std::uint64_t) noexcept override {}
    };
    Fixture f("r-virtual");
    for (std::uint64_t seq = 0; seq < 5; ++seq)
        write_test_record(f.writer, seq);
    Virtual sink;
    RingSink& base = sink;
    REQUIRE(f.reader.poll(base, 100) == 5);
    REQUIRE(sink.records == 5);
}

TEST_CASE("RingReader: poll delivers at most its budget", "[shm_bus][ring]") {
    Fixture f("r-budget");
    for (std::uint64_t seq = 0; seq < 100; ++seq)
        write_test_record(f.writer, seq);
    REQUIRE(f.reader.poll(f.sink, 0) == 0);
    REQUIRE(f.reader.poll(f.sink, 10) == 10);
    REQUIRE(f.reader.poll(f.sink, 1000) == 90);
}

TEST_CASE("RingReader: a reader lapped by a full ring reports the loss and resyncs to latest",
          "[shm_bus][ring]") {
    Fixture f("r-lap");
    for (std::uint64_t seq = 0; seq < 3; ++seq)
        write_test_record(f.writer, seq);
    REQUIRE(f.reader.poll(f.sink, 10) == 3);
    const std::uint64_t cursor = f.reader.position();
    std::uint64_t seq = 3;
    while (f.writer.tail() < cursor + 3 * kRing)
        write_test_record(f.writer, seq++);
    const std::uint64_t latest = f.seg.ring_header(0).latest.load();

    REQUIRE(f.reader.poll(f.sink, 100000) == 1);  // the latest record, then it is caught up
    REQUIRE(f.sink.lost_calls == 1);
    REQUIRE(f.sink.lost_records == seq - 1 - 3);  // everything but the latest one
    REQUIRE(f.sink.lost_bytes == latest - cursor);
    REQUIRE(seq_of(f.sink.records.back()) == seq - 1);
    REQUIRE(f.reader.lost_records() == f.sink.lost_records);

    write_test_record(f.writer, seq);
    REQUIRE(f.reader.poll(f.sink, 10) == 1);
    REQUIRE(seq_of(f.sink.records.back()) == seq);
    REQUIRE(f.sink.lost_calls == 1);
}

TEST_CASE("RingReader: a claimed but uncommitted record (a torn tail) is never visible",
          "[shm_bus][ring]") {
    Fixture f("r-torn");
    write_test_record(f.writer, 0);
    auto span = f.writer.claim(1, 200);
    REQUIRE(span.ok());
    std::memset(span->data(), 0x77, 100);
    REQUIRE(f.reader.poll(f.sink, 10) == 1);
    REQUIRE_FALSE(f.reader.has_data());
    REQUIRE(f.reader.poll(f.sink, 10) == 0);
    f.writer.commit(100);
    REQUIRE(f.reader.poll(f.sink, 10) == 1);
    REQUIRE(f.sink.records[1].payload == bytes_of(100, 0x77));
}

TEST_CASE("RingReader: a corrupted header costs that record, is counted, and the reader resyncs",
          "[shm_bus][ring]") {
    Fixture f("r-corrupt");
    for (std::uint64_t seq = 0; seq < 4; ++seq)
        write_test_record(f.writer, seq);
    // Find record 1's position by reading the headers the writer laid down.
    std::uint64_t pos1 = record_stride(header_at(f.seg, 0)->length);
    RecordHeader* h = header_at(f.seg, pos1);
    REQUIRE(h->seq == 1);
    SECTION("a length beyond the buffer") {
        h->length = 0xFFFFFF00u;
    }
    SECTION("a length over the maximum record") {
        h->length = kMax + 1;
    }
    SECTION("a length running past tail") {
        h->length = static_cast<std::uint32_t>(kRing / 2);
    }
    SECTION("a stale position from an earlier lap") {
        h->position = pos1 - kRing;
    }
    SECTION("an unknown negative type") {
        h->type = -7;
    }
    REQUIRE(f.reader.poll(f.sink, 100) == 2);  // record 0, then resync to the latest (3)
    REQUIRE(seq_of(f.sink.records[0]) == 0);
    REQUIRE(seq_of(f.sink.records[1]) == 3);
    REQUIRE(f.sink.lost_records == 2);
    REQUIRE(f.sink.lost_bytes == f.seg.ring_header(0).latest.load() - pos1);
    REQUIRE(f.reader.resyncs() == 1);
}

TEST_CASE("RingReader: a corrupted latest record makes the reader skip to tail, then carry on",
          "[shm_bus][ring]") {
    Fixture f("r-corrupt-latest");
    write_test_record(f.writer, 0);
    REQUIRE(f.reader.poll(f.sink, 100) == 1);
    const std::uint64_t pos1 = f.writer.tail();
    write_test_record(f.writer, 1);
    write_test_record(f.writer, 2);
    header_at(f.seg, pos1)->position = 12345;
    header_at(f.seg, f.seg.ring_header(0).latest.load())->position = 999;
    REQUIRE(f.reader.poll(f.sink, 100) == 0);
    REQUIRE(f.reader.position() == f.writer.tail());
    const std::uint64_t pos3 = f.writer.tail();
    write_test_record(f.writer, 3);
    REQUIRE(f.reader.poll(f.sink, 100) == 1);
    REQUIRE(seq_of(f.sink.records[1]) == 3);
    REQUIRE(f.sink.lost_records == 2);
    REQUIRE(f.sink.lost_bytes == pos3 - pos1);
    REQUIRE(f.sink.lost_calls == 1);
}

TEST_CASE("RingReader: positions that make no sense cost records, never a crash or a hang",
          "[shm_bus][ring]") {
    Fixture f("r-positions");
    for (std::uint64_t seq = 0; seq < 5; ++seq)
        write_test_record(f.writer, seq);
    RingHeader& rh = f.seg.ring_header(0);
    SECTION("tail behind the reader") {
        f.reader.poll(f.sink, 100);
        rh.tail.store(64);
        REQUIRE(f.reader.poll(f.sink, 100) <= 5);
    }
    SECTION("tail beyond tail_intent") {
        rh.tail.store(rh.tail_intent.load() + 4096);
        REQUIRE(f.reader.poll(f.sink, 100) == 0);
    }
    SECTION("an unaligned tail") {
        rh.tail.store(rh.tail.load() - 3);
        REQUIRE(f.reader.poll(f.sink, 100) <= 5);
    }
    SECTION("a huge tail_intent") {
        rh.tail_intent.store(~0ull - 5);
        REQUIRE(f.reader.poll(f.sink, 100) == 0);
    }
    for (const auto& r : f.sink.records)
        REQUIRE(seq_of(r) != ~0ull);
}

TEST_CASE(
    "RingReader: random bytes over the ring and its positions never crash the reader, "
    "and each poll ends",
    "[shm_bus][ring][fuzz]") {
    Fixture f("r-fuzz");
    std::mt19937_64 rng(20261124);
    RingHeader& rh = f.seg.ring_header(0);
    std::byte* data = f.seg.ring_data(0);
    for (int round = 0; round < 3000; ++round) {
        const int mode = static_cast<int>(rng() % 4);
        if (mode == 0) {  // random bytes anywhere
            for (int i = 0; i < 64; ++i)
                data[rng() % kRing] = static_cast<std::byte>(rng());
        } else if (mode == 1) {  // plausible headers with random fields
            const std::uint64_t pos = (rng() % (kRing / 64)) * 64;
            RecordHeader h{pos + (rng() % 3) * kRing,
                           rng(),
                           static_cast<std::uint32_t>(rng()),
                           static_cast<std::int32_t>(rng() % 5) - 2,
                           0,
                           0};
            if (rng() % 2) h.length = static_cast<std::uint32_t>(rng() % 2048);
            std::memcpy(data + pos, &h, sizeof h);
        } else if (mode == 2) {  // random positions near or far from the reader
            const std::uint64_t base = f.reader.position();
            const std::uint64_t t = rng() % 2 ? base + (rng() % (2 * kRing)) : rng();
            rh.tail.store(t);
            rh.tail_intent.store(rng() % 2 ? t : t + rng() % kRing);
            rh.latest.store(rng() % 2 ? t - (rng() % 4096) : rng());
        } else {
            f.reader.start_at(rng() % 2 ? rng() : (rng() % kRing) * 64);
        }
        CollectSink sink;
        REQUIRE(f.reader.poll(sink, 64) <= 64);
        for (const auto& r : sink.records) {
            REQUIRE(r.payload.size() <= kMax);
            REQUIRE(r.type >= 0);
        }
    }
}

namespace {
// Places even types in blocks of its own (the reader copies them there), odd ones in the scratch;
// `lap_on_place` makes the writer lap the reader while it copies the first placed record.
struct PlacingCollectSink : CollectSink {
    std::vector<std::unique_ptr<std::byte[]>> blocks;
    std::vector<const std::byte*> delivered_at;
    RingWriter* lap_on_place = nullptr;
    std::uint64_t lap_seq = 1000;

    std::byte* place_record(std::int32_t type, std::uint32_t length) noexcept {
        if (lap_on_place) {
            RingWriter& w = *std::exchange(lap_on_place, nullptr);
            const std::uint64_t until = w.tail() + 2 * kRing;
            std::vector<std::byte> buf(256);
            while (w.tail() < until) {
                shoal::test::fill_payload(lap_seq, buf);
                (void)w.try_write(1, buf);
            }
        }
        if (type % 2 != 0) return nullptr;
        blocks.push_back(std::make_unique<std::byte[]>(length));
        return blocks.back().get();
    }
    void on_record(std::int32_t type, std::span<const std::byte> payload) noexcept {
        delivered_at.push_back(payload.data());
        CollectSink::on_record(type, payload);
    }
};
}  // namespace

TEST_CASE(
    "RingReader: a placing sink gets the records it places copied into its own memory, the "
    "rest through the scratch",
    "[shm_bus][ring]") {
    Fixture f("r-place");
    PlacingCollectSink sink;
    std::vector<std::byte> buf(300);
    for (std::int32_t type = 2; type < 12; ++type) {
        std::memset(buf.data(), type, buf.size());
        REQUIRE(f.writer.try_write(type, buf));
    }
    REQUIRE(f.reader.poll(sink, 100) == 10);
    REQUIRE(sink.blocks.size() == 5);  // types 2, 4, 6, 8, 10
    std::size_t placed = 0;
    for (std::size_t i = 0; i < sink.records.size(); ++i) {
        const auto& r = sink.records[i];
        CHECK(r.payload == bytes_of(300, static_cast<std::uint8_t>(r.type)));
        const bool in_block = r.type % 2 == 0;
        if (in_block) CHECK(sink.delivered_at[i] == sink.blocks[placed++].get());
    }
    CHECK(f.reader.scratch_bytes_copied() == 5 * 300);
}

TEST_CASE("RingReader: records placed for a batch that a lap discarded never reach the sink",
          "[shm_bus][ring]") {
    Fixture f("r-place-lap");
    PlacingCollectSink sink;
    std::vector<std::byte> buf(300);
    REQUIRE(f.writer.try_write(2, buf));
    REQUIRE(f.writer.try_write(4, buf));
    sink.lap_on_place = &f.writer;  // the writer laps the reader during the first copy
    f.reader.poll(sink, 100);
    REQUIRE(sink.blocks.size() >= 1);
    for (const std::byte* at : sink.delivered_at)
        CHECK(at != sink.blocks[0].get());  // the copy made while lapped was thrown away
    CHECK(sink.lost_calls == 1);
    CHECK(f.reader.lost_bytes() > 0);
    for (const auto& r : sink.records)
        CHECK(r.type == 1);  // only records written after the lap, from where it resynced
}
