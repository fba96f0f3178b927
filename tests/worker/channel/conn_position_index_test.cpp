// SPDX-License-Identifier: MIT
// ConnPositionIndex: the open-addressing conn -> position table of large topics, against a
// std::unordered_map under random inserts, moves and erases (growth and backward shifts).
#include "worker/channel/conn_position_index.hpp"

#include <random>
#include <unordered_map>
#include <vector>

#include <catch2/catch.hpp>

using shoal::channel::ConnPositionIndex;
using shoal::net::ConnId;

TEST_CASE("ConnPositionIndex: finds what was set, forgets what was erased", "[channel]") {
    ConnPositionIndex index(4);
    CHECK(index.find(7) == ConnPositionIndex::kMissing);
    index.set(7, 0);
    index.set(9, 1);
    index.set(7, 2);  // moved, not added
    CHECK(index.size() == 2);
    CHECK(index.find(7) == 2);
    CHECK(index.find(9) == 1);
    index.erase(7);
    index.erase(7);  // absent: nothing happens
    CHECK(index.size() == 1);
    CHECK(index.find(7) == ConnPositionIndex::kMissing);
    CHECK(index.find(9) == 1);
}

TEST_CASE("ConnPositionIndex: agrees with unordered_map through growth and erases", "[channel]") {
    std::mt19937_64 rng(21);
    ConnPositionIndex index(64);
    std::unordered_map<ConnId, std::uint32_t> model;
    std::vector<ConnId> keys;
    // Ids as the transport makes them: a generation over dense slot indexes, so runs collide.
    for (std::uint32_t i = 1; i <= 3000; ++i)
        keys.push_back((ConnId{1 + i % 3} << 32) | i);
    for (int step = 0; step < 40000; ++step) {
        const ConnId k = keys[rng() % keys.size()];
        if (rng() % 3 == 0) {
            index.erase(k);
            model.erase(k);
        } else {
            const auto pos = static_cast<std::uint32_t>(rng() % 100000);
            index.set(k, pos);
            model[k] = pos;
        }
        if (step % 1000 == 0) {
            REQUIRE(index.size() == model.size());
            for (ConnId q : keys) {
                auto it = model.find(q);
                REQUIRE(index.find(q) ==
                        (it == model.end() ? ConnPositionIndex::kMissing : it->second));
            }
        }
    }
}
