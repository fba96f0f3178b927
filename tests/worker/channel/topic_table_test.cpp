// SPDX-License-Identifier: MIT
// test-support: alloc_counter
// TopicTable: membership, and publish sharing one frame with no allocation per subscriber.
#include "worker/channel/topic_table.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/alloc_counter.hpp"

using namespace shoal;
using channel::TopicTable;

TEST_CASE("TopicTable: a subscriber is recorded once and removed with its last topic",
          "[channel]") {
    TopicTable t;
    CHECK(t.subscribe("news", 1, 0));
    CHECK_FALSE(t.subscribe("news", 1, 0));
    CHECK(t.subscribe("news", 2, 0));
    CHECK(t.subscriber_count("news") == 2);
    CHECK(t.unsubscribe("news", 1));
    CHECK_FALSE(t.unsubscribe("news", 1));
    CHECK(t.topic_count() == 1);
    CHECK(t.unsubscribe("news", 2));
    CHECK(t.topic_count() == 0);
    CHECK(t.subscriber_count("news") == 0);
}

TEST_CASE(
    "TopicTable: a channel that grows past the index threshold and shrinks again keeps "
    "exactly its subscribers",
    "[channel]") {
    TopicTable t;
    std::set<channel::ConnId> truth;
    std::mt19937_64 rng(7);
    auto members = [&] {
        std::set<channel::ConnId> got;
        for (const auto& s : t.subscribers("big"))
            got.insert(s.conn);
        return got;
    };
    // Grow to 5,000 (indexed), with duplicates refused on the way.
    for (channel::ConnId c = 1; c <= 5000; ++c) {
        REQUIRE(t.subscribe("big", c, 0));
        truth.insert(c);
        if (c % 97 == 0) REQUIRE_FALSE(t.subscribe("big", rng() % c + 1, 0));
    }
    REQUIRE(members() == truth);
    // Random leaves and rejoins, checked against the truth, down through the threshold.
    for (int round = 0; round < 20000; ++round) {
        const channel::ConnId c = rng() % 6000 + 1;
        const bool in = truth.count(c) == 1;
        if (round % 3 == 0) {
            REQUIRE(t.subscribe("big", c, 0) == !in);
            truth.insert(c);
        } else {
            REQUIRE(t.unsubscribe("big", c) == in);
            truth.erase(c);
        }
    }
    REQUIRE(members() == truth);
    REQUIRE(t.subscriber_count("big") == truth.size());
    std::vector<channel::ConnId> rest(truth.begin(), truth.end());
    std::shuffle(rest.begin(), rest.end(), rng);
    for (std::size_t i = 0; i < rest.size(); ++i) {
        REQUIRE(t.unsubscribe("big", rest[i]));
        REQUIRE_FALSE(t.unsubscribe("big", rest[i]));
        if (i % 512 == 0 || rest.size() - i < TopicTable::kIndexFrom) {
            truth.erase(rest[i]);
            if (!truth.empty()) REQUIRE(members() == truth);
        } else {
            truth.erase(rest[i]);
        }
    }
    CHECK(t.topic_count() == 0);
}

TEST_CASE("TopicTable: publish shares one frame with every subscriber of the protocol except one",
          "[channel]") {
    TopicTable t;
    for (net::ConnId c = 1; c <= 5; ++c)
        t.subscribe("room", c, 0);
    t.subscribe("room", 6, 1);  // another protocol's subscriber takes another frame
    t.subscribe("other", 7, 0);
    auto frame = net::SharedFrame::make_text("hello");
    std::vector<net::ConnId> got;
    std::size_t n = t.publish("room", 0, frame, 3, [&](net::ConnId c, const net::FrameRef& f) {
        CHECK(f->payload().data() == frame->payload().data());  // the same bytes, not a copy
        got.push_back(c);
    });
    CHECK(n == 4);
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<net::ConnId>{1, 2, 4, 5});
    CHECK(t.publish("nobody", 0, frame, 0, [](net::ConnId, const net::FrameRef&) { FAIL(); }) == 0);
}

TEST_CASE("TopicTable: publish allocates nothing however many subscribers", "[channel]") {
    TopicTable t;
    for (net::ConnId c = 1; c <= 1000; ++c)
        t.subscribe("big", c, 0);
    auto frame = net::SharedFrame::make_text("payload");
    std::vector<net::FrameRef> sink;
    sink.reserve(1000);
    test::AllocationScope scope;
    std::string_view topic = "big";
    t.publish(topic, 0, frame, channel::kNoConn,
              [&](net::ConnId, const net::FrameRef& f) { sink.push_back(f); });
    CHECK(scope.count() == 0);
    CHECK(sink.size() == 1000);
    CHECK(frame.use_count() == 1001);
}
