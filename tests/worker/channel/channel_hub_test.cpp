// SPDX-License-Identifier: MIT
// test-support: alloc_counter
// ChannelHub with a fake adapter, a fake bus port and a fake transport: local and remote
// delivery by protocol tag, exclusion, presence diffs both ways, worker_down, reconciliation,
// host-wide counts, the last-event cache hooks, and the allocation cost of the steady-state remote
// path.
#include "worker/channel/channel_hub.hpp"

#include <array>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/alloc_counter.hpp"
#include "tests/support/fake_transport.hpp"

using namespace shoal;
using channel::ChannelHub;
using channel::ConnId;

namespace {

struct FakeAdapter final : channel::ProtocolAdapter {
    std::string name;
    std::vector<std::string> added, removed;
    std::vector<ConnId> added_except;
    std::vector<std::string> terminated;

    explicit FakeAdapter(std::string n) : name(std::move(n)) {}
    net::FrameRef encode_event(const channel::Event& e) override {
        if (e.from_client && e.topic.starts_with("guarded-")) return {};
        return net::SharedFrame::make_text(name + ":" + std::string(e.topic) + ":" +
                                           std::string(e.name) + (e.from_client ? ":client" : ""));
    }
    void on_member_added(std::string_view topic, std::string_view user, std::string_view,
                         ConnId except) override {
        added.push_back(std::string(topic) + "/" + std::string(user));
        added_except.push_back(except);
    }
    void on_member_removed(std::string_view topic, std::string_view user) override {
        removed.push_back(std::string(topic) + "/" + std::string(user));
    }
    ConnId resolve_exclusion(std::string_view token) const noexcept override {
        return token == name + "-sock-7" ? 7 : channel::kNoConn;
    }
    std::size_t terminate_local_user(std::string_view user) override {
        terminated.emplace_back(user);
        return 1;
    }
};

struct FakeBus final : channel::BusPort {
    std::vector<std::string> log;
    std::array<std::string, channel::kMaxProtocols> last{};
    std::string last_exclusion;
    void broadcast(std::string_view topic, const channel::Frames& frames,
                   std::string_view exclusion) noexcept override {
        log.push_back("broadcast " + std::string(topic));
        for (std::size_t tag = 0; tag < frames.size(); ++tag)
            last[tag] = frames[tag] ? std::string(frames[tag]->payload()) : std::string();
        last_exclusion = exclusion;
    }
    void presence_join(ConnId conn, std::string_view topic, std::string_view user,
                       std::string_view) noexcept override {
        log.push_back("join " + std::to_string(conn) + " " + std::string(topic) + " " +
                      std::string(user));
    }
    void presence_leave(ConnId conn, std::string_view topic,
                        std::string_view user) noexcept override {
        log.push_back("leave " + std::to_string(conn) + " " + std::string(topic) + " " +
                      std::string(user));
    }
    void topic_count(std::string_view topic, std::uint32_t n) noexcept override {
        log.push_back("count " + std::string(topic) + " " + std::to_string(n));
    }
    void terminate_user(std::string_view user) noexcept override {
        log.push_back("terminate " + std::string(user));
    }
};

// A transport that only counts, so the allocation test measures the hub alone.
struct CountingTransport final : net::Transport {
    std::size_t sends = 0;
    void send(net::ConnId, net::FrameRef) override { ++sends; }
    void close(net::ConnId, std::uint16_t, std::string_view) override {}
    std::uint64_t now_ms() const override { return 0; }
};

struct Fixture {
    test::FakeTransport t;
    FakeAdapter pusher{"p"};
    FakeAdapter phoenix{"x"};
    FakeBus bus;
    ChannelHub hub{t, 1, 5};
    Fixture() {
        hub.add_adapter(0, pusher);
        hub.add_adapter(1, phoenix);
        hub.attach_bus(&bus);
    }
};

}  // namespace

TEST_CASE(
    "ChannelHub: a publish reaches local subscribers by protocol and writes one bus record "
    "with the same bytes",
    "[channel][hub]") {
    Fixture f;
    f.hub.subscribe("news", 10, 0);
    f.hub.subscribe("news", 11, 1);
    f.hub.subscribe("news", 12, 0);
    f.bus.log.clear();
    channel::Frames frames;
    frames[0] = net::SharedFrame::make_text("pusher-bytes");
    frames[1] = net::SharedFrame::make_text("phoenix-bytes");
    CHECK(f.hub.publish("news", frames, 12, "") == 2);
    CHECK(f.t.to(10) == std::vector<std::string>{"pusher-bytes"});
    CHECK(f.t.to(11) == std::vector<std::string>{"phoenix-bytes"});
    CHECK(f.t.to(12).empty());
    REQUIRE(f.bus.log == std::vector<std::string>{"broadcast news"});
    CHECK(f.bus.last[0] == "pusher-bytes");
    CHECK(f.bus.last[1] == "phoenix-bytes");
}

TEST_CASE(
    "ChannelHub: a server event is encoded once per adapter and the exclusion is resolved "
    "locally and passed on",
    "[channel][hub]") {
    Fixture f;
    f.hub.subscribe("news", 7, 0);
    f.hub.subscribe("news", 8, 0);
    f.hub.subscribe("news", 9, 1);
    CHECK(f.hub.publish_event({"news", "ev", "{}", {}, false}, "p-sock-7") == 2);
    CHECK(f.t.to(7).empty());
    CHECK(f.t.to(8) == std::vector<std::string>{"p:news:ev"});
    CHECK(f.t.to(9) == std::vector<std::string>{"x:news:ev"});
    CHECK(f.bus.last_exclusion == "p-sock-7");
}

TEST_CASE(
    "ChannelHub: a client publish keeps its protocol's own frame and asks every other "
    "protocol's encoder, which may refuse it",
    "[channel][hub]") {
    Fixture f;
    FakeAdapter third{"t"};
    f.hub.add_adapter(5, third);
    for (auto topic : {"room", "guarded-room"}) {
        f.hub.subscribe(topic, 10, 0);
        f.hub.subscribe(topic, 11, 1);
        f.hub.subscribe(topic, 12, 5);
        f.hub.subscribe(topic, 13, 1);
    }
    const channel::Event ev{"room", "ping", "{}", {}, true};
    CHECK(f.hub.publish_client(ev, 1, net::SharedFrame::make_text("own"), 13) == 3);
    CHECK(f.t.to(10) == std::vector<std::string>{"p:room:ping:client"});
    CHECK(f.t.to(11) == std::vector<std::string>{"own"});
    CHECK(f.t.to(12) == std::vector<std::string>{"t:room:ping:client"});
    CHECK(f.t.to(13).empty());  // the publisher
    CHECK(f.bus.last[0] == "p:room:ping:client");
    CHECK(f.bus.last[5] == "t:room:ping:client");

    const channel::Event guarded{"guarded-room", "ping", "{}", {}, true};
    CHECK(f.hub.publish_client(guarded, 1, net::SharedFrame::make_text("own"), 13) == 1);
    CHECK(f.t.to(11).size() == 2);
    CHECK(f.t.to(10).size() == 1);
    CHECK(f.bus.last[0].empty());
    CHECK(f.bus.last[5].empty());
}

TEST_CASE(
    "ChannelHub: a remote broadcast is delivered by tag with exclusion and without "
    "re-encoding",
    "[channel][hub]") {
    Fixture f;
    f.hub.subscribe("news", 7, 0);
    f.hub.subscribe("news", 8, 0);
    auto original = net::SharedFrame::make_text("hello");
    const channel::TaggedWire wire[] = {{0, original->wire()}};
    CHECK(f.hub.deliver_remote("news", wire, "p-sock-7") == 1);
    REQUIRE(f.t.sent.size() == 1);
    CHECK(f.t.sent[0].id == 8);
    CHECK(f.t.sent[0].frame->wire() == original->wire());
    CHECK(f.hub.deliver_remote("other", wire, "") == 0);
    CHECK(f.bus.log.size() == 2);  // the two subscribe counts; nothing echoed back to the bus
}

TEST_CASE(
    "ChannelHub: presence is announced once per user across workers and leaves with the "
    "last connection",
    "[channel][hub]") {
    Fixture f;
    f.hub.subscribe("presence-a", 10, 0);
    CHECK(f.hub.join("presence-a", "u1", "{}", 10) == channel::PresenceChange::UserAdded);
    CHECK(f.pusher.added == std::vector<std::string>{"presence-a/u1"});
    CHECK(f.pusher.added_except == std::vector<ConnId>{10});
    // The same user on another worker adds nothing; a new user there is announced once.
    f.hub.remote_join(2, 3, 55, "presence-a", "u1", "{}");
    f.hub.remote_join(2, 3, 56, "presence-a", "u2", "{}");
    f.hub.remote_join(2, 3, 56, "presence-a", "u2", "{}");  // a snapshot repeat is harmless
    CHECK(f.pusher.added == std::vector<std::string>{"presence-a/u1", "presence-a/u2"});
    CHECK(f.phoenix.added.size() == 2);
    CHECK(f.hub.presence().user_count("presence-a") == 2);
    // u1 leaves here but is still on slot 2: no member_removed.
    f.hub.leave("presence-a", "u1", 10);
    CHECK(f.pusher.removed.empty());
    f.hub.remote_leave(2, 3, 55, "presence-a", "u1");
    CHECK(f.pusher.removed == std::vector<std::string>{"presence-a/u1"});
    CHECK(std::count(f.bus.log.begin(), f.bus.log.end(), "join 10 presence-a u1") == 1);
    CHECK(std::count(f.bus.log.begin(), f.bus.log.end(), "leave 10 presence-a u1") == 1);
}

TEST_CASE(
    "ChannelHub: worker_down drops that slot's members and counts and ignores its late "
    "records",
    "[channel][hub]") {
    Fixture f;
    f.hub.remote_join(2, 3, 55, "presence-a", "u1", "{}");
    f.hub.remote_join(3, 1, 60, "presence-a", "u1", "{}");
    f.hub.remote_join(2, 3, 56, "presence-a", "u2", "{}");
    f.hub.remote_topic_count(2, "presence-a", 2);
    f.hub.remote_topic_count(3, "presence-a", 1);
    CHECK(f.hub.subscription_count("presence-a") == 3);
    f.hub.drop_slot(2, 3);
    CHECK(f.pusher.removed == std::vector<std::string>{"presence-a/u2"});
    CHECK(f.hub.presence().user_count("presence-a") == 1);
    CHECK(f.hub.subscription_count("presence-a") == 1);
    f.hub.remote_join(2, 3, 57, "presence-a", "u3", "{}");  // read late from the dead epoch
    CHECK(f.hub.presence().find("presence-a", "u3") == nullptr);
    f.hub.remote_join(2, 4, 1, "presence-a", "u3", "{}");  // the restarted epoch
    CHECK(f.hub.presence().find("presence-a", "u3") != nullptr);
}

TEST_CASE("ChannelHub: presence keys carry the full 64-bit epoch", "[channel][hub]") {
    Fixture f;
    constexpr std::uint64_t kLater = (std::uint64_t{1} << 32) + 3;  // equal to 3 in its low half
    f.hub.remote_join(2, 3, 55, "presence-a", "u1", "{}");
    f.hub.remote_join(2, kLater, 55, "presence-a", "u2", "{}");
    CHECK(f.hub.presence().user_count("presence-a") == 2);
    f.hub.drop_slot(2, 3);  // epoch 3 is over; kLater is not
    CHECK(f.pusher.removed == std::vector<std::string>{"presence-a/u1"});
    REQUIRE(f.hub.presence().find("presence-a", "u2") != nullptr);
    f.hub.remote_leave(2, 3, 55, "presence-a", "u2");  // names epoch 3's connection, not kLater's
    CHECK(f.hub.presence().find("presence-a", "u2") != nullptr);
    f.hub.remote_leave(2, kLater, 55, "presence-a", "u2");
    CHECK(f.pusher.removed == std::vector<std::string>{"presence-a/u1", "presence-a/u2"});
}

TEST_CASE("ChannelHub: reconciliation drops what the snapshot no longer holds", "[channel][hub]") {
    Fixture f;
    f.hub.remote_join(2, 3, 55, "presence-a", "u1", "{}");
    f.hub.remote_join(2, 3, 56, "presence-a", "u2", "{}");
    f.hub.remote_topic_count(2, "presence-a", 2);
    f.hub.remote_topic_count(2, "gone", 4);
    f.hub.begin_reconcile(2);
    f.hub.remote_join(2, 3, 56, "presence-a", "u2", "{}");
    f.hub.remote_topic_count(2, "presence-a", 1);
    f.hub.end_reconcile(2);
    CHECK(f.pusher.removed == std::vector<std::string>{"presence-a/u1"});
    CHECK(f.hub.presence().user_count("presence-a") == 1);
    CHECK(f.hub.subscription_count("gone") == 0);
    CHECK(f.hub.subscription_count("presence-a") == 1);
}

TEST_CASE("ChannelHub: topic counts and the topic list answer for the whole host",
          "[channel][hub]") {
    Fixture f;
    f.hub.subscribe("a", 1, 0);
    f.hub.remote_topic_count(2, "a", 3);
    f.hub.remote_topic_count(3, "b", 2);
    std::vector<std::string> seen;
    std::size_t total = 0;
    f.hub.for_each_topic([&](std::string_view t, std::size_t n) {
        seen.emplace_back(t);
        total += n;
    });
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<std::string>{"a", "b"});
    CHECK(total == 6);
    CHECK(f.bus.log == std::vector<std::string>{"count a 1"});
}

TEST_CASE("ChannelHub: terminate_user reaches local adapters and the bus", "[channel][hub]") {
    Fixture f;
    CHECK(f.hub.terminate_user("u1") == 2);
    CHECK(f.bus.log == std::vector<std::string>{"terminate u1"});
    f.hub.remote_terminate("u2");
    CHECK(f.pusher.terminated == std::vector<std::string>{"u1", "u2"});
}

TEST_CASE(
    "ChannelHub: the steady-state remote path costs one frame allocation per message, "
    "whatever the number of subscribers",
    "[channel][hub][alloc]") {
    CountingTransport t;
    FakeAdapter pusher{"p"};
    ChannelHub hub{t, 1, 1};
    hub.add_adapter(0, pusher);
    for (ConnId c = 1; c <= 200; ++c)
        hub.subscribe("news", c, 0);
    auto original = net::SharedFrame::make_text(std::string(300, 'x'));
    const channel::TaggedWire wire[] = {{0, original->wire()}};
    hub.deliver_remote("news", wire, "");  // warm-up
    constexpr int kMessages = 1000;
    test::AllocationScope scope;
    for (int i = 0; i < kMessages; ++i)
        hub.deliver_remote("news", wire, "p-sock-9");
    CHECK(scope.count() == kMessages);  // the one SharedFrame copy; none per subscriber
    CHECK(t.sends == 200u * (kMessages + 1));
}

TEST_CASE(
    "ChannelHub: with a last-event cache attached, a plain topic is not cached and a cache "
    "topic costs still one frame per message, kept and delivered by the same reference",
    "[channel][hub][alloc][cache]") {
    CountingTransport t;
    FakeAdapter pusher{"p"};
    ChannelHub hub{t, 1, 1};
    hub.add_adapter(0, pusher);
    channel::LastEventCache cache([](std::string_view n) noexcept { return n.starts_with("c-"); },
                                  0, 60'000, 16);
    hub.attach_cache(&cache);
    for (ConnId c = 1; c <= 200; ++c) {
        hub.subscribe("news", c, 0);
        hub.subscribe("c-news", c, 0);
    }
    auto original = net::SharedFrame::make_text(std::string(300, 'x'));
    const channel::TaggedWire wire[] = {{0, original->wire()}};
    hub.deliver_remote("news", wire, "");
    hub.publish("news", {original, {}}, channel::kNoConn, {});
    CHECK(cache.size() == 0);

    hub.deliver_remote("c-news", wire, "");   // warm-up: the entry's node and name
    hub.deliver_remote("c-empty", wire, "");  // no local subscriber: kept all the same
    CHECK(cache.size() == 2);
    constexpr int kMessages = 1000;
    {
        test::AllocationScope scope;
        for (int i = 0; i < kMessages; ++i)
            hub.deliver_remote("c-news", wire, "");
        CHECK(scope.count() == kMessages);  // the one SharedFrame copy, shared with the cache
    }
    net::FrameRef kept = cache.find("c-news", t.now_ms());
    REQUIRE(kept);
    CHECK(kept->wire() == original->wire());
    CHECK(kept.operator->() != original.operator->());  // a worker's own copy of the ring bytes

    hub.publish("c-news", {original, {}}, channel::kNoConn, {});
    CHECK(cache.find("c-news", t.now_ms()).operator->() == original.operator->());
}
