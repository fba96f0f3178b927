// SPDX-License-Identifier: MIT
// HistoryWriter / HistoryReader over a private buffer: offsets per topic, the windows in events
// and in time, overwritten history, and every kind of corruption a reader must survive (H3, H4).
#include "shm_bus/history_store.hpp"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "shm_bus/history_segment.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;

namespace {

HistoryConfig small_config() {
    HistoryConfig c;
    c.data_bytes = 64 * 1024;
    c.index_entries = 64;
    c.max_event_bytes = 1024;
    return c;
}

struct Region {
    explicit Region(const HistoryConfig& c) : words(c.region_bytes() / 8 + 1, 0) {}
    std::span<std::byte> bytes() {
        return {reinterpret_cast<std::byte*>(words.data()), words.size() * 8};
    }
    std::vector<std::uint64_t> words;  // 8-aligned, zero-filled like a fresh shm object
};

HistoryReader reader_of(Region& r) {
    auto h = HistoryReader::attach(r.bytes());
    REQUIRE(h.ok());
    return std::move(h.value());
}

// The events' offsets, oldest first.
std::vector<std::uint64_t> offsets(const Recovery& r) {
    std::vector<std::uint64_t> out;
    for (const auto& e : r.events)
        out.push_back(e.offset);
    return out;
}

}  // namespace

TEST_CASE("History: each topic numbers its events from 1, and a reader gets those after since",
          "[shm_bus][history]") {
    auto c = small_config();
    Region region(c);
    HistoryWriter w(region.bytes(), c, 42);
    REQUIRE(w.append("a", "e", "a1", 10) == 1);
    REQUIRE(w.append("b", "e", "b1", 11) == 1);
    REQUIRE(w.append("a", "e", "a2", 12) == 2);
    REQUIRE(w.append("a", "e2", "a3", 13) == 3);
    auto r = reader_of(region);
    CHECK(r.epoch() == 42);
    Recovery rec;
    r.read_since("a", 0, 100, 0, rec);
    CHECK(rec.complete);
    CHECK(rec.latest == 3);
    CHECK(offsets(rec) == std::vector<std::uint64_t>{1, 2, 3});
    CHECK(rec.events[2].name == "e2");
    CHECK(rec.events[2].data == "a3");
    CHECK(rec.events[0].time_ms == 10);
    r.read_since("a", 1, 100, 0, rec);
    CHECK(rec.complete);
    CHECK(offsets(rec) == std::vector<std::uint64_t>{2, 3});
    SECTION("a client that has everything gets nothing, completely") {
        r.read_since("a", 3, 100, 0, rec);
        CHECK(rec.complete);
        CHECK(rec.events.empty());
    }
    SECTION("a position ahead of the stream (another epoch's) is not recoverable") {
        r.read_since("a", 9, 100, 0, rec);
        CHECK_FALSE(rec.complete);
        CHECK(rec.latest == 3);
    }
    SECTION("a topic with no history: complete only for a client that saw nothing") {
        r.read_since("zzz", 0, 100, 0, rec);
        CHECK(rec.complete);
        r.read_since("zzz", 4, 100, 0, rec);
        CHECK_FALSE(rec.complete);
    }
    CHECK(r.events_appended() == 4);
}

TEST_CASE("History: a gap wider than the window in events or in time is reported incomplete",
          "[shm_bus][history]") {
    auto c = small_config();
    Region region(c);
    HistoryWriter w(region.bytes(), c, 1);
    for (std::uint64_t i = 1; i <= 10; ++i)
        REQUIRE(w.append("t", "e", std::to_string(i), i * 1000) == i);
    auto r = reader_of(region);
    Recovery rec;
    r.read_since("t", 2, 5, 0, rec);  // the window holds the last 5 (6..10); 3..5 are gone
    CHECK_FALSE(rec.complete);
    CHECK(offsets(rec) == std::vector<std::uint64_t>{6, 7, 8, 9, 10});
    r.read_since("t", 5, 5, 0, rec);
    CHECK(rec.complete);
    r.read_since("t", 5, 100, 7000, rec);  // events before t=7000 are out of the time window
    CHECK_FALSE(rec.complete);
    CHECK(offsets(rec) == std::vector<std::uint64_t>{7, 8, 9, 10});
    r.read_since("t", 6, 100, 7000, rec);
    CHECK(rec.complete);
}

TEST_CASE("History: events the ring has overwritten are reported lost, the newest still served",
          "[shm_bus][history]") {
    auto c = small_config();
    Region region(c);
    HistoryWriter w(region.bytes(), c, 1);
    const std::string payload(300, 'x');
    std::uint64_t last = 0;
    for (int i = 0; i < 2000; ++i) {  // ~800 KB through a 64 KiB ring, across topics
        last = w.append("hot", "e", payload, 0);
        w.append("other" + std::to_string(i % 7), "e", "y", 0);
    }
    REQUIRE(last == 2000);
    auto r = reader_of(region);
    Recovery rec;
    r.read_since("hot", 0, 100000, 0, rec);
    CHECK_FALSE(rec.complete);
    REQUIRE_FALSE(rec.events.empty());
    CHECK(rec.events.back().offset == 2000);
    for (std::size_t i = 1; i < rec.events.size(); ++i)
        CHECK(rec.events[i].offset == rec.events[i - 1].offset + 1);
    const std::uint64_t oldest = rec.events.front().offset;
    r.read_since("hot", oldest - 1, 100000, 0, rec);
    CHECK(rec.complete);
    CHECK(rec.events.front().offset == oldest);
}

TEST_CASE("History: refusals are values: an oversized event, a full index", "[shm_bus][history]") {
    auto c = small_config();
    Region region(c);
    HistoryWriter w(region.bytes(), c, 1);
    CHECK(w.append("t", "e", std::string(2000, 'x'), 0) == 0);
    for (int i = 0; i < 64; ++i)
        REQUIRE(w.append("topic" + std::to_string(i), "e", "d", 0) == 1);
    CHECK(w.append("one-too-many", "e", "d", 0) == 0);
    CHECK(w.append("topic3", "e", "d", 0) == 2);  // known topics go on
    CHECK(reader_of(region).topics_refused() == 1);
    HistoryConfig bad = c;
    bad.data_bytes = 1000;
    CHECK_FALSE(bad.validate().ok());
    bad = c;
    bad.index_entries = 100;
    CHECK_FALSE(bad.validate().ok());
}

TEST_CASE("History: a reader survives corrupted records, links and headers (H3, H4)",
          "[shm_bus][history]") {
    auto c = small_config();
    Region region(c);
    HistoryWriter w(region.bytes(), c, 1);
    for (int i = 0; i < 20; ++i)
        w.append("t", "e", "d" + std::to_string(i), 0);
    const std::size_t data_at = region.bytes().size() - 8 - c.data_bytes;  // see region_bytes()
    auto r = reader_of(region);
    Recovery rec;
    SECTION("a record whose position is wrong ends the chain there") {
        auto* first = reinterpret_cast<HistoryRecordHeader*>(region.bytes().data() + data_at);
        first->position = 12345;
        r.read_since("t", 0, 100, 0, rec);
        CHECK_FALSE(rec.complete);
        CHECK(rec.events.back().offset == 20);
        CHECK(rec.events.front().offset == 2);
    }
    SECTION("a link pointing forwards is refused, so no walk can loop") {
        auto* first = reinterpret_cast<HistoryRecordHeader*>(region.bytes().data() + data_at);
        auto* second = reinterpret_cast<HistoryRecordHeader*>(region.bytes().data() + data_at +
                                                              history_align(first->length));
        second->prev = second->position + 1 + 64;
        r.read_since("t", 0, 100, 0, rec);
        CHECK_FALSE(rec.complete);
        CHECK(rec.events.front().offset == 3);
    }
    SECTION("random bytes over the whole data area: never a crash, never a torn answer") {
        std::mt19937_64 rng(7);
        auto data = region.bytes().subspan(data_at, c.data_bytes);
        for (int round = 0; round < 200; ++round) {
            for (int k = 0; k < 64; ++k)
                data[rng() % data.size()] = std::byte(rng());
            r.read_since("t", rng() % 22, 100, 0, rec);
            for (std::size_t i = 1; i < rec.events.size(); ++i)
                REQUIRE(rec.events[i].offset == rec.events[i - 1].offset + 1);
        }
    }
    SECTION("an index whose header claims sizes beyond the region is refused on attach") {
        auto* h = reinterpret_cast<HistoryHeader*>(region.bytes().data());
        h->data_bytes = 1ull << 30;
        CHECK_FALSE(HistoryReader::attach(region.bytes()).ok());
    }
}

TEST_CASE("HistorySegment: create, attach read-only, name taken, name missing",
          "[shm_bus][history]") {
    shoal::test::SegmentName name("history");
    auto c = small_config();
    auto created = HistorySegment::create(name.str(), c, 77);
    REQUIRE(created.ok());
    CHECK(created.value().writer().append("t", "e", "d", 0) == 1);
    CHECK(HistorySegment::create(name.str(), c, 78).error().code ==
          shoal::common::Errc::AlreadyExists);
    auto attached = HistorySegment::attach_readonly(name.str());
    REQUIRE(attached.ok());
    CHECK(attached.value().reader().epoch() == 77);
    Recovery rec;
    attached.value().reader().read_since("t", 0, 10, 0, rec);
    CHECK(rec.complete);
    CHECK(rec.events.size() == 1);
    CHECK(HistorySegment::remove(name.str()));
    CHECK(HistorySegment::attach_readonly(name.str()).error().code ==
          shoal::common::Errc::NotFound);
}

TEST_CASE("History: a topic's stream follows the epoch and offsets it is given (the cluster's)",
          "[shm_bus][history]") {
    auto c = small_config();
    Region region(c);
    HistoryWriter w(region.bytes(), c, 42);
    HistoryReader r = reader_of(region);
    Recovery out;
    constexpr std::uint64_t kCluster = 0xc1;
    constexpr std::uint64_t kOutage = 0x0d;

    // Numbered by the cluster: what it gives is kept, per topic, apart from the region's epoch.
    REQUIRE(w.append(HistoryAppend{"a", "e", "a1", 10, kCluster, 1, {}, 0xFF}) == 1);
    REQUIRE(w.append(HistoryAppend{"a", "e", "a2", 11, kCluster, 2, {}, 0xFF}) == 2);
    REQUIRE(w.append(HistoryAppend{"b", "e", "b1", 11, 0, 0, {}, 0xFF}) == 1);
    r.read_since("a", 0, 100, 0, out);
    CHECK((out.epoch == kCluster && out.latest == 2 && out.complete));
    CHECK(offsets(out) == std::vector<std::uint64_t>{1, 2});
    r.read_since("b", 0, 100, 0, out);
    CHECK((out.epoch == 42 && out.latest == 1 && out.complete));
    r.read_since("unknown", 0, 100, 0, out);
    CHECK((out.epoch == 42 && out.latest == 0 && out.complete));

    SECTION("a stream never goes back: an offset at or below the last is refused") {
        CHECK(w.append(HistoryAppend{"a", "e", "again", 12, kCluster, 2, {}, 0xFF}) == 0);
        CHECK(w.append(HistoryAppend{"a", "e", "old", 12, kCluster, 1, {}, 0xFF}) == 0);
        r.read_since("a", 0, 100, 0, out);
        CHECK((out.latest == 2 && out.events.back().data == "a2"));
    }

    SECTION("a skipped offset (a numbered event this host never got) breaks the chain") {
        REQUIRE(w.append(HistoryAppend{"a", "e", "a4", 12, kCluster, 4, {}, 0xFF}) == 4);
        REQUIRE(w.append(HistoryAppend{"a", "e", "a5", 13, kCluster, 5, {}, 0xFF}) == 5);
        r.read_since("a", 3, 100, 0, out);
        CHECK((out.complete && offsets(out) == std::vector<std::uint64_t>{4, 5}));
        r.read_since("a", 1, 100, 0, out);  // 2..5 with 3 missing: the walk stops at the gap
        CHECK_FALSE(out.complete);
        CHECK(offsets(out) == std::vector<std::uint64_t>{4, 5});
    }

    SECTION(
        "an outage numbers locally from 1 under its own epoch; the cluster's stream after "
        "it is a new chain, and nothing crosses epochs") {
        REQUIRE(w.append(HistoryAppend{"a", "x", "o1", 12, kOutage, 0, {}, 0xFF}) == 1);
        REQUIRE(w.append(HistoryAppend{"a", "x", "o2", 13, kOutage, 0, {}, 0xFF}) == 2);
        r.read_since("a", 0, 100, 0, out);
        CHECK((out.epoch == kOutage && out.latest == 2 && out.complete));
        CHECK(out.events.front().data == "o1");
        REQUIRE(w.append(HistoryAppend{"a", "e", "a3", 14, kCluster, 3, {}, 0xFF}) == 3);
        r.read_since("a", 2, 100, 0, out);  // a3 is kept, but a2 is not behind it any more
        CHECK((out.epoch == kCluster && out.latest == 3));
        CHECK(offsets(out) == std::vector<std::uint64_t>{3});
        CHECK(out.complete);
        r.read_since("a", 1, 100, 0, out);
        CHECK_FALSE(out.complete);
        // A new outage is a new epoch: numbering starts at 1 again.
        CHECK(w.append(HistoryAppend{"a", "x", "p1", 15, kOutage + 1, 0, {}, 0xFF}) == 1);
    }
}

TEST_CASE("History: a client event keeps its publisher's user id and protocol",
          "[shm_bus][history]") {
    auto c = small_config();
    Region region(c);
    HistoryWriter w(region.bytes(), c, 42);
    HistoryReader r = reader_of(region);
    REQUIRE(w.append(HistoryAppend{"room", "client-x", "{\"a\":1}", 10, 0, 0, "user-7", 1}) == 1);
    REQUIRE(w.append("room", "tick", "plain", 11) == 2);
    Recovery out;
    r.read_since("room", 0, 10, 0, out);
    REQUIRE(out.events.size() == 2);
    CHECK((out.events[0].user_id == "user-7" && out.events[0].origin == 1));
    CHECK(out.events[0].data == "{\"a\":1}");
    CHECK((out.events[1].user_id.empty() && out.events[1].origin == 0xFF));
    // The user id counts against the event's size limit like every other byte.
    const std::string big(c.max_event_bytes - 8, 'x');
    CHECK(w.append(HistoryAppend{"room", "n", big, 12, 0, 0, "", 0xFF}) == 3);
    CHECK(w.append(HistoryAppend{"room", "n", big, 12, 0, 0, "user-7", 1}) == 0);
}
