// SPDX-License-Identifier: MIT
// test-labels: unit supervisor webhooks
// The grace period: vacated / removed wait, a return within it cancels both sides (a page
// reload, a worker restart), a return after it is a new occupied / added; deadlines fire in
// order; grace 0 sends at once.
#include "supervisor/webhooks/grace_filter.hpp"

#include <catch2/catch.hpp>

using namespace shoal::webhooks;

namespace {

Transition occ(const char* t) {
    return {EventKind::ChannelOccupied, t, ""};
}
Transition vac(const char* t) {
    return {EventKind::ChannelVacated, t, ""};
}
Transition add(const char* t, const char* u) {
    return {EventKind::MemberAdded, t, u};
}
Transition rem(const char* t, const char* u) {
    return {EventKind::MemberRemoved, t, u};
}

}  // namespace

TEST_CASE("GraceFilter: occupied and added go at once; vacated and removed wait the grace",
          "[supervisor][webhooks]") {
    GraceFilter g(3000);
    std::vector<Transition> out;
    g.occupied("a\x1fpresence-room", 100, out);
    g.member_added("a\x1fpresence-room", "ann", 100, out);
    REQUIRE(out ==
            std::vector<Transition>{occ("a\x1fpresence-room"), add("a\x1fpresence-room", "ann")});
    out.clear();
    g.member_removed("a\x1fpresence-room", "ann", 1000, out);
    g.vacated("a\x1fpresence-room", 1000, out);
    REQUIRE(out.empty());
    REQUIRE(g.pending() == 2);
    REQUIRE(g.next_deadline_ms() == 4000u);
    g.due(3999, out);
    REQUIRE(out.empty());
    g.due(4000, out);
    // The member's removal was scheduled first, so it comes before the channel's vacancy.
    REQUIRE(out ==
            std::vector<Transition>{rem("a\x1fpresence-room", "ann"), vac("a\x1fpresence-room")});
    REQUIRE(g.pending() == 0);
    REQUIRE_FALSE(g.next_deadline_ms());
}

TEST_CASE("GraceFilter: a return within the grace cancels the pending event and sends nothing",
          "[supervisor][webhooks]") {
    GraceFilter g(3000);
    std::vector<Transition> out;
    g.vacated(
        "a\x1f"
        "news",
        0, out);
    g.member_removed("a\x1fpresence-x", "bob", 0, out);
    g.occupied(
        "a\x1f"
        "news",
        2999, out);                                       // a page reload
    g.member_added("a\x1fpresence-x", "bob", 2999, out);  // a worker restart, a reconnect
    REQUIRE(out.empty());
    g.due(10'000, out);
    REQUIRE(out.empty());
    REQUIRE(g.pending() == 0);
}

TEST_CASE("GraceFilter: a return after the grace is a new occupied / added",
          "[supervisor][webhooks]") {
    GraceFilter g(3000);
    std::vector<Transition> out;
    g.vacated(
        "a\x1f"
        "news",
        0, out);
    g.due(3000, out);
    g.occupied(
        "a\x1f"
        "news",
        3001, out);
    REQUIRE(out == std::vector<Transition>{vac("a\x1f"
                                               "news"),
                                           occ("a\x1f"
                                               "news")});
}

TEST_CASE("GraceFilter: one user's removal does not cancel another's, nor a channel's",
          "[supervisor][webhooks]") {
    GraceFilter g(1000);
    std::vector<Transition> out;
    g.member_removed("a\x1fpresence-x", "ann", 0, out);
    g.member_removed("a\x1fpresence-x", "bob", 10, out);
    g.vacated("a\x1fpresence-y", 20, out);
    g.member_added("a\x1fpresence-x", "bob", 30, out);  // bob is back: only his is cancelled
    g.occupied("b\x1fpresence-y", 30, out);             // another app's channel of the name
    REQUIRE(out == std::vector<Transition>{occ("b\x1fpresence-y")});
    out.clear();
    g.due(5000, out);
    REQUIRE(out == std::vector<Transition>{rem("a\x1fpresence-x", "ann"), vac("a\x1fpresence-y")});
}

TEST_CASE("GraceFilter: a second vacated while one is pending keeps the first deadline",
          "[supervisor][webhooks]") {
    GraceFilter g(1000);
    std::vector<Transition> out;
    g.vacated("t", 0, out);
    g.vacated("t", 900, out);
    g.due(1000, out);
    REQUIRE(out == std::vector<Transition>{vac("t")});
}

TEST_CASE("GraceFilter: grace 0 sends vacated and removed at once; flush_all sends the rest",
          "[supervisor][webhooks]") {
    GraceFilter none(0);
    std::vector<Transition> out;
    none.vacated("t", 5, out);
    none.member_removed("t", "u", 5, out);
    REQUIRE(out == std::vector<Transition>{vac("t"), rem("t", "u")});
    REQUIRE(none.pending() == 0);

    GraceFilter g(60'000);
    out.clear();
    g.vacated("t", 5, out);
    g.flush_all(out);
    REQUIRE(out == std::vector<Transition>{vac("t")});
}
