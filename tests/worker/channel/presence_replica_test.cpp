// SPDX-License-Identifier: MIT
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

TEST_CASE("PresenceReplica: dropping a slot removes its connections and reports users that left",
          "[channel]") {
    PresenceReplica r;
    r.join("presence-a", "u1", "null", {1, 3, 5});
    r.join("presence-a", "u2", "null", {1, 3, 6});
    r.join("presence-a", "u2", "null", {0, 0, 7});
    r.join("presence-b", "u3", "null", {1, 3, 8});
    std::vector<std::string> left;
    r.drop_slot(1, 3, [&](std::string_view t, std::string_view u) {
        left.push_back(std::string(t) + "/" + std::string(u));
    });
    std::sort(left.begin(), left.end());
    CHECK(left == std::vector<std::string>{"presence-a/u1", "presence-b/u3"});
    CHECK(r.user_count("presence-a") == 1);
    CHECK(r.user_count("presence-b") == 0);
    std::size_t members = 0;
    r.for_each_user("presence-a", [&](std::string_view id, const PresenceUser&) {
        CHECK(id == "u2");
        ++members;
    });
    CHECK(members == 1);
}
