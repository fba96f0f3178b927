// SPDX-License-Identifier: MIT
// test-labels: unit supervisor host_view
// The host's sums and their zero crossings, whichever path removes an entry: a leave, a slot's
// death, a reconciliation; a slot that dies while reconciling ends its reconciliation.
#include "supervisor/host_view/host_state.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::host_view;

namespace {

struct Log final : HostObserver {
    std::vector<std::string> got;
    void on_occupied(std::string_view t) override { got.push_back("+" + std::string(t)); }
    void on_vacated(std::string_view t) override { got.push_back("-" + std::string(t)); }
    void on_member_added(std::string_view t, std::string_view u, std::string_view i) override {
        got.push_back("+" + std::string(t) + "/" + std::string(u) + " " + std::string(i));
    }
    void on_member_removed(std::string_view t, std::string_view u) override {
        got.push_back("-" + std::string(t) + "/" + std::string(u));
    }
    std::vector<std::string> take() { return std::exchange(got, {}); }
};

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("HostState: a user is added on its first connection and removed on its last",
          "[supervisor][host_view]") {
    HostState s;
    Log log;
    s.observe(log);
    CHECK(s.join({0, 1, 1, "p", "ann"}, "A"));
    CHECK(s.join({1, 1, 1, "p", "ann"}, "B"));
    CHECK_FALSE(s.join({1, 1, 1, "p", "ann"}, "B"));
    CHECK(log.take() == Lines{"+p/ann A"});
    CHECK(s.user_count("p") == 1);
    CHECK(s.leave({0, 1, 1, "p", "ann"}));
    CHECK_FALSE(s.leave({0, 1, 1, "p", "ann"}));
    CHECK(log.take().empty());
    CHECK(s.leave({1, 1, 1, "p", "ann"}));
    CHECK(log.take() == Lines{"-p/ann"});
    CHECK(s.user_count("p") == 0);
    s.unobserve(log);
    s.join({0, 1, 2, "p", "bob"}, "{}");
    CHECK(log.take().empty());
}

TEST_CASE("HostState: a topic is occupied while any slot counts it", "[supervisor][host_view]") {
    HostState s;
    Log log;
    s.observe(log);
    CHECK(s.set_count(0, "t", 2));
    CHECK(s.set_count(1, "t", 1));
    CHECK(s.subscription_count("t") == 3);
    CHECK(s.set_count(0, "t", 5));  // replaced, not added to
    CHECK(s.subscription_count("t") == 6);
    CHECK_FALSE(s.set_count(0, "t", 5));
    CHECK(s.occupied_count() == 1);
    CHECK(log.take() == Lines{"+t"});
    s.drop_slot(0, 1);
    CHECK(s.subscription_count("t") == 1);
    CHECK(log.take().empty());
    CHECK(s.set_count(1, "t", 0));
    CHECK(log.take() == Lines{"-t"});
    CHECK(s.occupied_count() == 0);
}

TEST_CASE("HostState: a reconciliation reports what it removed, after the sums moved",
          "[supervisor][host_view]") {
    HostState s;
    Log log;
    s.observe(log);
    s.join({0, 1, 1, "p", "ann"}, "{}");
    s.join({0, 1, 2, "p", "bob"}, "{}");
    s.set_count(0, "p", 2);
    s.set_count(0, "q", 1);
    log.take();
    s.begin_reconcile(0);
    s.join({0, 1, 1, "p", "ann"}, "{}");
    s.set_count(0, "p", 1);
    Lines removed;
    s.end_reconcile(
        0,
        [&](const MemberKey& k) {
            removed.push_back(k.user + " " + std::to_string(s.user_count("p")));
        },
        [&](std::uint32_t slot, std::string_view t) {
            removed.push_back(std::to_string(slot) + ":" + std::string(t));
        });
    CHECK(removed == Lines{"bob 1", "0:q"});
    CHECK(log.take() == Lines{"-p/bob", "-q"});

    // A slot that dies while reconciling: its next epoch's entries are not judged by the old
    // request (the dead writer never answers it).
    s.begin_reconcile(0);
    s.drop_slot(0, 1);
    CHECK_FALSE(s.table().reconciling());
    s.join({0, 2, 1, "p", "cid"}, "{}");
    s.end_reconcile(
        0, [&](const MemberKey&) { FAIL("nothing to remove"); },
        [&](std::uint32_t, std::string_view) { FAIL("nothing to remove"); });
    CHECK(s.user_count("p") == 1);
}
