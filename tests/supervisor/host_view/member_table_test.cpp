// SPDX-License-Identifier: MIT
// test-labels: unit supervisor host_view
// A host's connections and counts as its workers announced them: joins are idempotent, a dead
// slot's entries go (and its late records stay dead), a reconciliation drops what was not
// announced again.
#include "supervisor/host_view/member_table.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::host_view;

TEST_CASE("MemberTable: joins are idempotent and a dead slot's entries go for good",
          "[supervisor][host_view]") {
    MemberTable t;
    MemberKey a{0, 1, 10, "presence-r", "ann"};
    MemberKey b{1, 1, 10, "presence-r", "bob"};
    CHECK(t.join(a, "{}"));
    CHECK_FALSE(t.join(a, "{}"));
    CHECK(t.join(b, "{}"));
    std::uint32_t old = 0;
    CHECK(t.set_count(1, "news", 3, old));
    CHECK_FALSE(t.set_count(1, "news", 3, old));
    std::vector<std::string> left, counts;
    t.drop_slot(
        1, 1, [&](const MemberKey& k, std::string_view) { left.push_back(k.user); },
        [&](std::uint32_t, std::string_view topic, std::uint32_t n) {
            counts.push_back(std::string(topic) + "=" + std::to_string(n));
        });
    CHECK(left == std::vector<std::string>{"bob"});
    CHECK(counts == std::vector<std::string>{"news=3"});
    CHECK(t.member_count() == 1);
    CHECK_FALSE(t.join(b, "{}"));                                   // a late join of the dead epoch
    CHECK(t.join(MemberKey{1, 2, 10, "presence-r", "bob"}, "{}"));  // the next epoch
    CHECK(t.leave(a));
    CHECK_FALSE(t.leave(a));
}

TEST_CASE("MemberTable: a reconciliation drops what was not announced again",
          "[supervisor][host_view]") {
    MemberTable t;
    std::uint32_t old = 0;
    t.join({0, 1, 1, "p", "keep"}, "{}");
    t.join({0, 1, 2, "p", "lost"}, "{}");
    t.join({1, 1, 3, "p", "other-slot"}, "{}");
    t.set_count(0, "a", 1, old);
    t.set_count(0, "b", 1, old);
    t.begin_reconcile(0);
    CHECK(t.reconciling());
    t.join({0, 1, 1, "p", "keep"}, "{}");
    t.set_count(0, "a", 1, old);
    std::vector<std::string> gone;
    t.end_reconcile(
        0, [&](const MemberKey& k, std::string_view) { gone.push_back(k.user); },
        [&](std::uint32_t, std::string_view topic, std::uint32_t) {
            gone.push_back(std::string(topic));
        });
    CHECK(gone == std::vector<std::string>{"lost", "b"});
    CHECK(t.member_count() == 2);
    CHECK_FALSE(t.reconciling());
}

TEST_CASE("MemberTable: two slots reconcile at once, each ended by its own answer",
          "[supervisor][host_view]") {
    MemberTable t;
    std::uint32_t old = 0;
    t.join({0, 1, 1, "p", "a0"}, "{}");
    t.join({1, 1, 1, "p", "a1"}, "{}");
    t.join({1, 1, 2, "p", "b1"}, "{}");
    t.set_count(1, "n", 2, old);
    t.begin_reconcile(0);
    t.begin_reconcile(1);
    t.join({1, 1, 1, "p", "a1"}, "{}");  // slot 1 answers first, without b1 and its count
    std::vector<std::string> gone;
    auto f = [&](const MemberKey& k, std::string_view) { gone.push_back(k.user); };
    auto g = [&](std::uint32_t s, std::string_view topic, std::uint32_t) {
        gone.push_back(std::to_string(s) + ":" + std::string(topic));
    };
    t.end_reconcile(1, f, g);
    CHECK(gone == std::vector<std::string>{"b1", "1:n"});
    CHECK(t.reconciling(0));  // slot 0's answer is still to come: a0 stays meanwhile
    CHECK_FALSE(t.reconciling(1));
    t.end_reconcile(1, f, g);  // a second done for a slot no longer reconciling: nothing
    CHECK(gone.size() == 2);
    t.join({0, 1, 1, "p", "a0"}, "{}");
    t.end_reconcile(0, f, g);
    CHECK(gone.size() == 2);
    CHECK(t.member_count() == 2);
    CHECK_FALSE(t.reconciling());
}
