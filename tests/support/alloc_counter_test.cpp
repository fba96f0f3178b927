// SPDX-License-Identifier: MIT
// test-support: alloc_counter
#include "tests/support/alloc_counter.hpp"

#include <memory>
#include <vector>

#include <catch2/catch.hpp>

TEST_CASE("AllocationScope: counts allocations made inside it and nothing else", "[support]") {
    std::vector<int> before(16);
    shoal::test::AllocationScope scope;
    REQUIRE(scope.count() == 0);
    auto p = std::make_unique<int>(7);
    std::vector<int> v;
    v.reserve(32);
    REQUIRE(scope.count() == 2);
}
