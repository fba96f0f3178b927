// SPDX-License-Identifier: MIT
#include "worker/net/conn_table.hpp"

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
