// SPDX-License-Identifier: MIT
// SlotTopicCounts: per-slot counts summed for the host, a dead slot's counts dropped, and
// reconciliation dropping what a snapshot no longer lists.
#include "worker/channel/slot_topic_counts.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using shoal::channel::SlotTopicCounts;

namespace {

std::vector<std::string> topics(const SlotTopicCounts& c) {
    std::vector<std::string> out;
    c.for_each_topic([&](std::string_view t) { out.emplace_back(t); });
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("SlotTopicCounts: counts of several slots add up and a zero removes a topic",
          "[channel]") {
    SlotTopicCounts c;
    c.set(1, "a", 3);
    c.set(2, "a", 4);
    c.set(2, "b", 1);
    CHECK(c.total("a") == 7);
    c.set(1, "a", 1);
    CHECK(c.total("a") == 5);
    c.set(2, "b", 0);
    CHECK(c.total("b") == 0);
    CHECK(topics(c) == std::vector<std::string>{"a"});
}

TEST_CASE("SlotTopicCounts: dropping a slot removes only its share", "[channel]") {
    SlotTopicCounts c;
    c.set(1, "a", 3);
    c.set(2, "a", 4);
    c.set(2, "b", 2);
    c.drop_slot(2);
    CHECK(c.total("a") == 3);
    CHECK(topics(c) == std::vector<std::string>{"a"});
    c.drop_slot(7);  // a slot never seen
    CHECK(c.total("a") == 3);
}

TEST_CASE("SlotTopicCounts: reconciliation drops topics the snapshot did not list", "[channel]") {
    SlotTopicCounts c;
    c.set(1, "a", 3);
    c.set(1, "b", 2);
    c.set(2, "b", 5);
    c.begin_reconcile(1);
    c.set(1, "a", 2);
    c.end_reconcile(1);
    CHECK(c.total("a") == 2);
    CHECK(c.total("b") == 5);  // slot 2's share stays
    c.end_reconcile(1);        // a second end changes nothing
    CHECK(c.total("a") == 2);
}
