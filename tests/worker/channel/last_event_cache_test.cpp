// SPDX-License-Identifier: MIT
// LastEventCache: which names it keeps, TTL expiry against an injected clock, eviction of the
// oldest entry at the bound, newer-wins on store, and the frame kept by reference.
#include "worker/channel/last_event_cache.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "worker/codec/pusher_channel_name.hpp"

using namespace shoal;
using channel::LastEventCache;

namespace {

constexpr std::uint64_t kTtl = 30'000;

LastEventCache make(std::size_t max_topics = 8) {
    return LastEventCache(codec::is_cache_channel, 0, kTtl, max_topics);
}

std::string payload_of(const net::FrameRef& f) {
    return f ? std::string(f->payload()) : std::string("<none>");
}

}  // namespace

TEST_CASE("last event cache: only cache channel names are wanted", "[channel][cache]") {
    auto c = make();
    for (const char* name :
         {"cache-x", "private-cache-x", "presence-cache-x", "private-encrypted-cache-x"})
        CHECK(c.wants(name));
    for (const char* name : {"x", "private-x", "presence-x", "private-encrypted-x", "mycache-x",
                             "cache", "private-encrypted-presence-cache-x", "#server-to-user-1"})
        CHECK_FALSE(c.wants(name));
}

TEST_CASE("last event cache: the stored frame is the same shared frame, not a copy",
          "[channel][cache]") {
    auto c = make();
    net::FrameRef f = net::SharedFrame::make_text("{\"event\":\"e\"}");
    REQUIRE(c.store("cache-a", f, 1000));
    net::FrameRef got = c.find("cache-a", 1000);
    REQUIRE(got);
    CHECK(got.operator->() == f.operator->());
    CHECK_FALSE(c.find("cache-b", 1000));
}

TEST_CASE("last event cache: an entry lives for the TTL and is gone one millisecond later",
          "[channel][cache]") {
    auto c = make();
    c.store("cache-a", net::SharedFrame::make_text("one"), 1000);
    CHECK(payload_of(c.find("cache-a", 1000 + kTtl)) == "one");
    CHECK_FALSE(c.find("cache-a", 1000 + kTtl + 1));
    CHECK(c.size() == 0);  // the expired entry was dropped on the way
}

TEST_CASE("last event cache: a later event replaces the earlier one and restarts its TTL",
          "[channel][cache]") {
    auto c = make();
    c.store("cache-a", net::SharedFrame::make_text("one"), 1000);
    c.store("cache-a", net::SharedFrame::make_text("two"), 20'000);
    CHECK(c.size() == 1);
    CHECK(payload_of(c.find("cache-a", 1000 + kTtl + 5)) == "two");
    SECTION("an older event (a late snapshot answer) does not undo it") {
        CHECK_FALSE(c.store("cache-a", net::SharedFrame::make_text("old"), 15'000));
        CHECK(payload_of(c.find("cache-a", 20'000)) == "two");
    }
}

TEST_CASE("last event cache: at the bound the oldest stored topic is evicted", "[channel][cache]") {
    auto c = make(3);
    c.store("cache-a", net::SharedFrame::make_text("a"), 1);
    c.store("cache-b", net::SharedFrame::make_text("b"), 2);
    c.store("cache-c", net::SharedFrame::make_text("c"), 3);
    c.store("cache-a", net::SharedFrame::make_text("a2"), 4);  // a is now the newest
    c.store("cache-d", net::SharedFrame::make_text("d"), 5);
    CHECK(c.size() == 3);
    CHECK_FALSE(c.find("cache-b", 5));
    CHECK(payload_of(c.find("cache-a", 5)) == "a2");
    CHECK(payload_of(c.find("cache-c", 5)) == "c");
    CHECK(payload_of(c.find("cache-d", 5)) == "d");
}

TEST_CASE("last event cache: a snapshot walk lists live entries with their age",
          "[channel][cache]") {
    auto c = make();
    c.store("cache-a", net::SharedFrame::make_text("a"), 1000);
    c.store("cache-b", net::SharedFrame::make_text("b"), 1000 + kTtl);
    std::vector<std::string> seen;
    c.for_each_live(2000 + kTtl, [&](std::string_view t, const net::FrameRef&, std::uint64_t age) {
        seen.push_back(std::string(t) + "@" + std::to_string(age));
    });
    CHECK(seen == std::vector<std::string>{"cache-b@1000"});
}
