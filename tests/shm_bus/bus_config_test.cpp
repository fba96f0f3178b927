// SPDX-License-Identifier: MIT
// test-labels: unit shm_bus
#include "shm_bus/bus_config.hpp"

#include <catch2/catch.hpp>

using shoal::bus::BusConfig;
using shoal::common::Errc;

TEST_CASE("BusConfig: the defaults are valid and name the control ring after the worker rings",
          "[shm_bus][config]") {
    BusConfig c;
    c.slots = 4;
    REQUIRE(c.validate().ok());
    REQUIRE(c.ring_bytes == 4u << 20);
    REQUIRE(c.max_record_bytes == 64u * 1024);
    REQUIRE(c.ring_count() == 5);
    REQUIRE(c.control_ring() == 4);
}

TEST_CASE("BusConfig: sizes that break the layout are refused as configuration errors",
          "[shm_bus][config]") {
    BusConfig c;
    SECTION("no slots") {
        c.slots = 0;
    }
    SECTION("too many slots") {
        c.slots = shoal::bus::kMaxSlots + 1;
    }
    SECTION("ring bytes not a power of two") {
        c.ring_bytes = 3u << 20;
    }
    SECTION("ring bytes too small") {
        c.ring_bytes = 32 * 1024;
    }
    SECTION("ring bytes too large") {
        c.ring_bytes = 2ull << 30;
    }
    SECTION("a zero maximum record") {
        c.max_record_bytes = 0;
    }
    SECTION("a maximum record that does not fit four times") {
        c.ring_bytes = 1u << 20;
        c.max_record_bytes = 256 * 1024;
    }
    auto r = c.validate();
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().code == Errc::Config);
}
