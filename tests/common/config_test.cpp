// SPDX-License-Identifier: MIT
#include "common/config.hpp"

#include <catch2/catch.hpp>

using shoal::common::Config;

TEST_CASE("Config: defaults are Soketi's and validate", "[common]") {
    Config c;
    REQUIRE(c.host == "127.0.0.1");
    REQUIRE(c.port == 6001);
    REQUIRE(c.app.id == "app-id");
    REQUIRE(c.app.key == "app-key");
    REQUIRE(c.app.secret == "app-secret");
    REQUIRE(c.effective_workers() >= 1);
    REQUIRE(c.effective_bus_name() == "shoal-6001");
    REQUIRE(c.validate().ok());
}

TEST_CASE("Config: each invalid setting is refused with its name", "[common]") {
    Config c;
    SECTION("too many workers") {
        c.workers = 65;
        REQUIRE(c.validate().error().context.find("--workers") != std::string::npos);
    }
    SECTION("a bus name that would escape /dev/shm") {
        c.bus_name = "../etc";
        REQUIRE(c.validate().error().context.find("--bus-name") != std::string::npos);
    }
    SECTION("an empty secret") {
        c.app.secret.clear();
        REQUIRE_FALSE(c.validate().ok());
    }
    SECTION("a heartbeat timeout shorter than two intervals") {
        c.policy.heartbeat_timeout_ms = c.policy.heartbeat_interval_ms;
        REQUIRE_FALSE(c.validate().ok());
    }
}
