// SPDX-License-Identifier: MIT
// Parsing of the test-only fault file.
#include "worker/bus_bridge/fault_switch.hpp"

#include <catch2/catch.hpp>

using shoal::worker::fault_for_slot;
using shoal::worker::StartFault;

TEST_CASE("fault_switch: a listed slot crashes and an unlisted one starts normally",
          "[worker][fault]") {
    REQUIRE(fault_for_slot("1\n", 1) == StartFault::Crash);
    REQUIRE(fault_for_slot("1\n", 0) == StartFault::None);
    REQUIRE(fault_for_slot("0, 2 ,3", 2) == StartFault::Crash);
    REQUIRE(fault_for_slot("12", 1) == StartFault::None);
    REQUIRE(fault_for_slot("", 0) == StartFault::None);
}

TEST_CASE("fault_switch: a star crashes every slot and :config asks for exit 78",
          "[worker][fault]") {
    REQUIRE(fault_for_slot("*", 7) == StartFault::Crash);
    REQUIRE(fault_for_slot("3:config", 3) == StartFault::ConfigError);
    REQUIRE(fault_for_slot("*:config", 0) == StartFault::ConfigError);
    REQUIRE(fault_for_slot("3:config", 4) == StartFault::None);
}

TEST_CASE("fault_switch: garbage never matches", "[worker][fault]") {
    REQUIRE(fault_for_slot("abc 1x -1 99999999999", 1) == StartFault::None);
    REQUIRE(fault_for_slot("1:unknown", 1) == StartFault::None);
}
