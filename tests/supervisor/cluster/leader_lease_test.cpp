// SPDX-License-Identifier: MIT
// test-labels: unit supervisor cluster
// The webhook lease: leader only until ttl - ttl/5 after the refresh was sent; a lost lease ends
// leadership at once; a joining host waits one ttl unless it is alone; and where a takeover's
// replay starts (one ttl before the other holder was last seen, or its goodbye, or the end of
// this host's own earlier lease).
#include "supervisor/cluster/leader_lease.hpp"

#include <catch2/catch.hpp>

using shoal::cluster::LeaderLease;

TEST_CASE("LeaderLease: leader until ttl - ttl/5 after the refresh left", "[cluster]") {
    LeaderLease l("me", 3000);
    REQUIRE_FALSE(l.leader(0));
    l.on_answer(1000, "me", 1005);
    REQUIRE(l.leader(1005));
    REQUIRE(l.leader(3399));
    REQUIRE_FALSE(l.leader(3400));  // 1000 + 3000 - 600
    l.on_answer(2000, "me", 2003);  // refreshed every ttl/3
    REQUIRE(l.leader(4399));
    REQUIRE_FALSE(l.leader(4400));
}

TEST_CASE("LeaderLease: an answer naming another holder ends leadership at once", "[cluster]") {
    LeaderLease l("me", 3000);
    l.on_answer(0, "me", 1);
    REQUIRE(l.leader(100));
    l.on_answer(100, "other", 101);
    REQUIRE_FALSE(l.leader(102));
    REQUIRE(l.holder() == "other");
}

TEST_CASE("LeaderLease: a joining host waits one ttl before taking a free lease, unless alone",
          "[cluster]") {
    LeaderLease l("me", 3000);
    REQUIRE_FALSE(l.may_acquire(0, false));
    REQUIRE(l.may_acquire(0, true));
    l.joined(1000);
    REQUIRE(l.has_joined());
    REQUIRE_FALSE(l.may_acquire(3999, false));
    REQUIRE(l.may_acquire(4000, false));
    l.joined(9000);  // a reconnect is not a new join
    REQUIRE(l.may_acquire(4000, false));
}

TEST_CASE("LeaderLease: where a takeover's replay starts", "[cluster]") {
    SECTION("first leader of the cluster: everything kept") {
        LeaderLease l("me", 3000);
        l.on_answer(500, "me", 501);
        REQUIRE(l.replay_from_ms() == 0);
    }
    SECTION("another holder seen alive: one ttl before that") {
        LeaderLease l("me", 3000);
        l.on_answer(10'000, "other", 10'001);
        l.on_answer(11'000, "", 11'001);  // its key lapsed: free
        l.on_answer(11'000, "me", 11'002);
        REQUIRE(l.replay_from_ms() == 10'001 - 3000);
    }
    SECTION("the holder said goodbye: only what came after") {
        LeaderLease l("me", 3000);
        l.on_answer(10'000, "other", 10'001);
        l.on_host_left("other", 10'500);
        l.on_answer(11'000, "me", 11'001);
        REQUIRE(l.replay_from_ms() == 10'500);
    }
    SECTION("a goodbye from a host that did not hold it changes nothing") {
        LeaderLease l("me", 3000);
        l.on_answer(10'000, "other", 10'001);
        l.on_host_left("third", 10'500);
        REQUIRE(l.replay_from_ms() == 10'001 - 3000);
    }
    SECTION("this host's own lease lapsed (Redis away), then came back") {
        LeaderLease l("me", 3000);
        l.on_answer(1000, "me", 1001);  // valid until 3400
        REQUIRE_FALSE(l.leader(5000));
        l.on_answer(60'000, "me", 60'001);
        REQUIRE(l.replay_from_ms() == 3400);
    }
    SECTION("released at stop") {
        LeaderLease l("me", 3000);
        l.on_answer(1000, "me", 1001);
        l.released(2000);
        REQUIRE_FALSE(l.leader(2001));
    }
}
