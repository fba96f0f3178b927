// SPDX-License-Identifier: MIT
// DeadlineLists: the connection timeouts that replaced one uv_timer_t per connection.
#include "worker/net/deadline_lists.hpp"

#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::net;

namespace {

std::vector<std::uint64_t> expire(DeadlineLists& d, std::uint64_t now) {
    std::vector<std::uint64_t> due;
    while (DeadlineLink* l = d.pop_due(now)) {
        REQUIRE_FALSE(l->armed());
        due.push_back(l->due_ms);
    }
    return due;
}

}  // namespace

TEST_CASE("DeadlineLists: entries expire in due order, and only once due", "[worker][net]") {
    DeadlineLists d;
    DeadlineLink a, b, c, e;
    d.arm(a, 0, 100);
    d.arm(b, 0, 300);
    d.arm(c, 1, 200);
    d.arm(e, 0, 150);  // earlier than the tail: inserted in order, not appended
    REQUIRE(d.size() == 4);
    REQUIRE(d.next_due() == 100);
    REQUIRE(expire(d, 99).empty());
    REQUIRE(expire(d, 160) == std::vector<std::uint64_t>{100, 150});
    REQUIRE(d.next_due() == 200);
    REQUIRE(expire(d, 1000).size() == 2);
    REQUIRE(d.size() == 0);
    REQUIRE(d.next_due() == DeadlineLists::kNever);
}

TEST_CASE("DeadlineLists: re-arming moves an entry, disarming removes it", "[worker][net]") {
    DeadlineLists d;
    DeadlineLink a, b, c;
    d.arm(a, 2, 10);
    d.arm(b, 2, 20);
    d.arm(c, 2, 30);
    d.arm(a, 2, 40);  // activity pushed a's idle deadline past the others
    d.disarm(b);
    d.disarm(b);  // twice is harmless
    REQUIRE_FALSE(b.armed());
    REQUIRE(d.size() == 2);
    REQUIRE(expire(d, 35) == std::vector<std::uint64_t>{30});
    d.arm(a, 3, 5);  // another list: taken off the first
    REQUIRE(d.size() == 1);
    REQUIRE(expire(d, 5) == std::vector<std::uint64_t>{5});
    REQUIRE(expire(d, 1000).empty());
}

TEST_CASE("DeadlineLists: the head, the middle and the tail can each be removed", "[worker][net]") {
    DeadlineLists d;
    DeadlineLink l[5];
    for (int i = 0; i < 5; ++i)
        d.arm(l[i], 0, static_cast<std::uint64_t>(10 * (i + 1)));
    d.disarm(l[0]);
    d.disarm(l[2]);
    d.disarm(l[4]);
    REQUIRE(expire(d, 100) == std::vector<std::uint64_t>{20, 40});
    d.arm(l[1], 0, 7);  // an emptied list takes new entries
    REQUIRE(d.next_due() == 7);
}
