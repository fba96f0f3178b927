// SPDX-License-Identifier: MIT
#include "worker/net/conn_table.hpp"

#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::net;

TEST_CASE("ConnTable: a stale id never finds the connection that reused its slot",
          "[worker][net]") {
    ConnTable t;
    auto* first = reinterpret_cast<Connection*>(0x1000);
    auto* second = reinterpret_cast<Connection*>(0x2000);
    const ConnId a = t.add(first);
    REQUIRE(a != 0);
    REQUIRE(t.find(a) == first);
    t.remove(a);
    REQUIRE(t.find(a) == nullptr);
    const ConnId b = t.add(second);
    REQUIRE(static_cast<std::uint32_t>(b) == static_cast<std::uint32_t>(a));  // same slot
    REQUIRE(b != a);
    REQUIRE(t.find(a) == nullptr);
    REQUIRE(t.find(b) == second);
    t.remove(a);  // removing a stale id is a no-op
    REQUIRE(t.size() == 1);
    REQUIRE(t.find(12345) == nullptr);
}

TEST_CASE("ConnTable: across pages, freed slots are reused last-freed first, each live once",
          "[worker][net]") {
    ConnTable t;
    std::vector<ConnId> ids;
    const std::uint32_t n = 3 * ConnTable::kPageSlots + 5;
    for (std::uint32_t i = 0; i < n; ++i)
        ids.push_back(t.add(reinterpret_cast<Connection*>(std::uintptr_t{16} * (i + 1))));
    REQUIRE(t.size() == n);
    for (std::uint32_t i = 0; i < n; ++i) {
        REQUIRE(static_cast<std::uint32_t>(ids[i]) == i);  // dense: the session pages rely on it
        REQUIRE(t.find(ids[i]) == reinterpret_cast<Connection*>(std::uintptr_t{16} * (i + 1)));
    }
    // Free one slot in each of three pages; the last freed is the first reused.
    t.remove(ids[7]);
    t.remove(ids[ConnTable::kPageSlots + 3]);
    t.remove(ids[2 * ConnTable::kPageSlots + 1]);
    REQUIRE(t.size() == n - 3);
    std::uint32_t live = 0;
    t.for_each([&](Connection&) { ++live; });
    REQUIRE(live == n - 3);
    auto* c = reinterpret_cast<Connection*>(std::uintptr_t{0x10000});
    REQUIRE(static_cast<std::uint32_t>(t.add(c)) == 2 * ConnTable::kPageSlots + 1);
    REQUIRE(static_cast<std::uint32_t>(t.add(c)) == ConnTable::kPageSlots + 3);
    REQUIRE(static_cast<std::uint32_t>(t.add(c)) == 7);
    REQUIRE(static_cast<std::uint32_t>(t.add(c)) == n);  // then a fresh slot
    REQUIRE(t.find(ids[7]) == nullptr);
    REQUIRE(t.size() == n + 1);
}
