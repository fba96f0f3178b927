// SPDX-License-Identifier: MIT
// test-support: alloc_counter
// A Phoenix push fanned out to many members costs the same few allocations whatever the member
// count: the frames are encoded once and shared by reference, never copied per member.
#include <catch2/catch.hpp>

#include "tests/support/alloc_counter.hpp"
#include "tests/support/flag_apps.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/session/phoenix_sessions.hpp"

using namespace shoal;

namespace {

// Counts deliveries and holds nothing, so the test measures the session, not a recorder.
class CountingTransport final : public net::Transport {
  public:
    void send(net::ConnId, net::FrameRef) override { ++sent; }
    void close(net::ConnId, std::uint16_t, std::string_view) override {}
    std::uint64_t now_ms() const override { return now; }
    std::uint64_t sent = 0;
    std::uint64_t now = 0;
};

std::int64_t clock_s() {
    return 1'700'000'000;
}

std::uint64_t allocations_per_push(std::size_t members) {
    common::Config config;
    config.limits.client_events_per_second = 1'000'000;
    CountingTransport t;
    channel::ChannelHub hub(t);
    channel::AppDirectory apps{hub, test::flag_apps(config)};
    session::PhoenixSessions s(config, hub, apps, &clock_s);
    for (net::ConnId id = 1; id <= members; ++id) {
        s.open(id, "vsn=2.0.0");
        s.message(id, R"(["1","1","room:big","phx_join",{}])");
    }
    const std::string push = R"(["1","2","room:big","shout",{"body":"hello","n":42}])";
    for (int i = 0; i < 10; ++i)
        s.message(1, push);  // warm the codec's buffers
    const std::uint64_t before = t.sent;
    test::AllocationScope scope;
    for (int i = 0; i < 100; ++i)
        s.message(1, push);
    REQUIRE(t.sent - before == 100 * members);  // a reply to the sender, a frame to each other
    return scope.count() / 100;
}

}  // namespace

TEST_CASE("phoenix push: allocations per push do not grow with the number of members",
          "[session][phoenix]") {
    const auto few = allocations_per_push(2);
    const auto many = allocations_per_push(200);
    CHECK(many == few);
    CHECK(few <= 2);  // the reply frame and the broadcast frame
}
