// SPDX-License-Identifier: MIT
// ConnSlots: per-connection state by slot index (a stale id of a reused slot finds nothing), and
// PusherSubscriptions: the inline first subscription and the order kept when one is taken.
#include "worker/session/conn_slots.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "worker/session/pusher_connection.hpp"

using namespace shoal;
using session::ConnSlots;

namespace {
net::ConnId id_of(std::uint32_t gen, std::uint32_t index) {
    return (net::ConnId{gen} << 32) | index;
}
}  // namespace

TEST_CASE("ConnSlots: open, find, erase, and a reused slot's old id finds nothing",
          "[worker][session]") {
    ConnSlots<std::string> slots;
    CHECK(slots.find(id_of(1, 3)) == nullptr);
    slots.open(id_of(1, 3)) = "first";
    slots.open(id_of(1, 700)) = "far page";
    CHECK(slots.size() == 2);
    REQUIRE(slots.find(id_of(1, 3)) != nullptr);
    CHECK(*slots.find(id_of(1, 3)) == "first");
    CHECK(*slots.find(id_of(1, 700)) == "far page");
    CHECK(slots.find(id_of(1, 4)) == nullptr);
    slots.erase(id_of(1, 3));
    CHECK(slots.size() == 1);
    CHECK(slots.find(id_of(1, 3)) == nullptr);
    slots.open(id_of(2, 3)) = "second";  // the slot reused with a new generation
    CHECK(slots.find(id_of(1, 3)) == nullptr);
    CHECK(*slots.find(id_of(2, 3)) == "second");
    slots.erase(id_of(1, 3));  // the old id erases nothing
    CHECK(slots.size() == 2);
    std::vector<net::ConnId> seen;
    slots.for_each([&](net::ConnId id, std::string&) { seen.push_back(id); });
    CHECK(seen == std::vector<net::ConnId>{id_of(2, 3), id_of(1, 700)});
}

TEST_CASE("PusherSubscriptions: the first inline, order kept when one is taken",
          "[worker][session]") {
    session::PusherSubscriptions subs;
    CHECK(subs.size() == 0);
    for (const char* t : {"a", "b", "c"})
        subs.add({t, {}});
    subs.add({"p", std::make_unique<std::string>("user-1")});
    REQUIRE(subs.size() == 4);
    CHECK(subs[3].presence_user_id() == "user-1");
    CHECK(subs.take(0).topic == "a");  // the next one moves inline
    REQUIRE(subs.size() == 3);
    CHECK(subs[0].topic == "b");
    CHECK(subs[1].topic == "c");
    CHECK(subs.take(1).topic == "c");
    CHECK(subs.take(1).presence_user_id() == "user-1");
    REQUIRE(subs.size() == 1);
    CHECK(subs.take(0).topic == "b");
    CHECK(subs.size() == 0);
    subs.add({"again", {}});
    CHECK(subs.size() == 1);
    CHECK(subs[0].presence_user_id().empty());
}
