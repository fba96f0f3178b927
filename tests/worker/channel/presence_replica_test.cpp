// SPDX-License-Identifier: MIT
// PresenceReplica: one member per user across connections, slots and epochs; sweeping a
// slot.
#include "worker/channel/presence_replica.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::channel;

TEST_CASE("PresenceReplica: two connections of one user are one member, removed with the last",
          "[channel]") {
    PresenceReplica r;
    CHECK(r.join("presence-a", "u1", R"({"n":1})", {0, 0, 10}) == PresenceChange::UserAdded);
    CHECK(r.join("presence-a", "u1", R"({"n":2})", {0, 0, 11}) == PresenceChange::None);
    CHECK(r.join("presence-a", "u1", R"({"n":2})", {0, 0, 11}) == PresenceChange::None);
    CHECK(r.user_count("presence-a") == 1);
    REQUIRE(r.find("presence-a", "u1"));
    CHECK(r.find("presence-a", "u1")->info_json == R"({"n":1})");
    CHECK(r.leave("presence-a", "u1", {0, 0, 10}) == PresenceChange::None);
    CHECK(r.user_count("presence-a") == 1);
    CHECK(r.leave("presence-a", "u1", {0, 0, 11}) == PresenceChange::UserRemoved);
    CHECK(r.user_count("presence-a") == 0);
    CHECK(r.leave("presence-a", "u1", {0, 0, 11}) == PresenceChange::None);
}

TEST_CASE(
    "PresenceReplica: the same connection id from another slot or epoch is another member "
    "key",
    "[channel]") {
    PresenceReplica r;
    r.join("presence-a", "u1", "null", {0, 0, 5});
    CHECK(r.join("presence-a", "u1", "null", {1, 0, 5}) == PresenceChange::None);
    CHECK(r.find("presence-a", "u1")->connections.size() == 2);
    CHECK(r.leave("presence-a", "u1", {1, 1, 5}) == PresenceChange::None);
    CHECK(r.find("presence-a", "u1")->connections.size() == 2);
}

TEST_CASE(
    "PresenceReplica: sweeping a slot removes the connections it does not keep and reports users "
    "that left",
    "[channel]") {
    PresenceReplica r;
    r.join("presence-a", "u1", "null", {1, 3, 5});
    r.join("presence-a", "u2", "null", {1, 3, 6});
    r.join("presence-a", "u2", "null", {0, 0, 7});
    r.join("presence-b", "u3", "null", {1, 3, 8});
    r.join("presence-b", "u4", "null", {1, 4, 9});  // slot 1's next epoch: kept
    std::vector<std::string> left;
    std::vector<MemberKey> asked;
    // As the hub drops (slot 1, epoch 3): a later epoch of the slot is kept; only slot 1 is asked.
    r.sweep_slot(
        1,
        [&](std::string_view, std::string_view, const MemberKey& k) {
            asked.push_back(k);
            return k.epoch > 3;
        },
        [&](std::string_view t, std::string_view u) {
            left.push_back(std::string(t) + "/" + std::string(u));
        });
    std::sort(left.begin(), left.end());
    CHECK(left == std::vector<std::string>{"presence-a/u1", "presence-b/u3"});
    CHECK(r.user_count("presence-a") == 1);
    CHECK(r.user_count("presence-b") == 1);
    REQUIRE(r.find("presence-b", "u4"));
    CHECK(asked.size() == 4);
    CHECK(std::none_of(asked.begin(), asked.end(), [](const MemberKey& k) { return k.slot != 1; }));
    std::size_t members = 0;
    r.for_each_user("presence-a", [&](std::string_view id, const PresenceUser&) {
        CHECK(id == "u2");
        ++members;
    });
    CHECK(members == 1);
}
