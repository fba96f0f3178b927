// SPDX-License-Identifier: MIT
// test-labels: unit supervisor cluster
// A host's connections and counts as its workers announced them: joins are idempotent, a dead
// slot's entries go (and its late records stay dead), a reconciliation drops what was not
// announced again.
#include "supervisor/cluster/member_table.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::cluster;

TEST_CASE("MemberTable: joins are idempotent and a dead slot's entries go for good",
          "[supervisor][cluster]") {
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
          "[supervisor][cluster]") {
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
    t.end_reconcile([&](const MemberKey& k, std::string_view) { gone.push_back(k.user); },
                    [&](std::uint32_t, std::string_view topic, std::uint32_t) {
                        gone.push_back(std::string(topic));
                    });
    CHECK(gone == std::vector<std::string>{"lost", "b"});
    CHECK(t.member_count() == 2);
    CHECK_FALSE(t.reconciling());
}
