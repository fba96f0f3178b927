// SPDX-License-Identifier: MIT
// ChannelHub's channel history (channel_hub_history.cpp) with a fake store, a fake bus and a fake
// transport: publishes on history channels go to the sequencer and are not delivered locally;
// sequenced events are delivered once, with their position, never at or below what this worker
// already served; a subscription recovers exactly the missed events up to the seam, waits for a
// worker that is behind the client, and says when recovery was not complete.
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/fake_transport.hpp"
#include "worker/channel/channel_hub.hpp"

using namespace shoal;
using channel::ChannelHub;
using channel::ConnId;

namespace {

constexpr std::uint64_t kEpoch = 0xabcdef0123456789ull;

struct PositionAdapter final : channel::ProtocolAdapter {
    net::FrameRef encode_event(const channel::Event& e) override {
        std::string text = std::string(e.name) + "@" + std::to_string(e.offset);
        if (e.offset != 0) text += "/" + std::string(e.epoch);
        if (e.from_client) text += ":client";
        if (!e.user_id.empty()) text += "(" + std::string(e.user_id) + ")";
        return net::SharedFrame::make_text(text);
    }
    ConnId resolve_exclusion(std::string_view token) const noexcept override {
        return token == "sock-9" ? 9 : channel::kNoConn;
    }
};

struct FakeStore final : channel::HistorySource {
    std::map<std::uint64_t, std::string> events;  // one topic's current stream: offset -> name
    std::uint64_t stream = kEpoch;                // ... and its epoch
    std::map<std::uint64_t, std::string> users;   // client events (protocol 0): their user
    std::uint64_t oldest_kept = 1;
    std::uint64_t epoch() const noexcept override { return kEpoch; }
    void read_since(std::string_view, std::uint64_t since, std::uint32_t max_events, std::uint64_t,
                    channel::HistoryRead& out) const override {
        out = {};
        out.epoch = stream;
        if (events.empty()) {
            out.complete = since == 0;
            return;
        }
        out.latest = events.rbegin()->first;
        for (auto it = events.rbegin(); it != events.rend() && out.events.size() < max_events;
             ++it) {
            if (it->first <= since || it->first < oldest_kept) break;
            const auto user = users.find(it->first);
            out.events.insert(
                out.events.begin(),
                {it->first, 0, it->second, "d", user == users.end() ? std::string() : user->second,
                 std::uint8_t(user == users.end() ? 0xFF : 0)});
        }
        out.complete =
            out.events.empty() ? out.latest == since : out.events.front().offset == since + 1;
    }
};

struct SequencingBus final : channel::BusPort {
    std::vector<std::string> sequenced;
    std::size_t broadcasts = 0;
    void broadcast(std::string_view, const channel::Frames&, std::string_view) noexcept override {
        ++broadcasts;
    }
    void presence_join(ConnId, std::string_view, std::string_view,
                       std::string_view) noexcept override {}
    void presence_leave(ConnId, std::string_view, std::string_view) noexcept override {}
    void topic_count(std::string_view, std::uint32_t) noexcept override {}
    void terminate_user(std::string_view) noexcept override {}
    bool sequence(const channel::Event& e, ConnId publisher,
                  std::string_view exclusion) noexcept override {
        sequenced.push_back(std::string(e.topic) + " " + std::string(e.name) + " from " +
                            std::to_string(publisher) + " origin " + std::to_string(e.origin) +
                            " excl " + std::string(exclusion));
        return true;
    }
};

struct Fixture {
    test::FakeTransport t;
    PositionAdapter adapter;
    SequencingBus bus;
    FakeStore store;
    ChannelHub hub{t, 1, 5};
    const std::string epoch = std::string(channel::epoch_text(kEpoch).view());
    Fixture() {
        hub.add_adapter(0, adapter);
        hub.attach_bus(&bus);
        hub.attach_history(&store);
    }
    // The supervisor's part: append to the store, then the control ring's record.
    std::size_t sequence(std::uint64_t offset, std::uint32_t from_slot = 2,
                         ConnId publisher = channel::kNoConn, bool store_it = true,
                         std::uint64_t stream = kEpoch) {
        const std::string name = "e" + std::to_string(offset);
        if (store_it) {
            if (stream != store.stream) store.events.clear();  // a new stream, a new chain
            store.stream = stream;
            store.events[offset] = name;
        }
        channel::SequencedEvent s;
        s.event = channel::Event{"feed", name, "d", {}, false};
        s.event.offset = offset;
        s.epoch = stream;
        s.from_slot = from_slot;
        s.publisher = publisher;
        return hub.deliver_sequenced(s);
    }
    std::string at(std::uint64_t offset) const {
        return "e" + std::to_string(offset) + "@" + std::to_string(offset) + "/" + epoch;
    }
};

channel::RecoverFrom from(std::uint64_t offset, std::uint64_t epoch = kEpoch) {
    return {true, offset, epoch};
}

}  // namespace

TEST_CASE("ChannelHub history: a publish on a history channel goes to the sequencer only",
          "[channel][history]") {
    Fixture f;
    f.hub.subscribe("feed", 10, 0);
    channel::Event e{"feed", "tick", "d", {}, false};
    e.history = true;
    CHECK(f.hub.publish_event(e, "sock-9") == 0);
    channel::Event c{"feed", "client-x", "d", "u1", true};
    c.history = true;
    CHECK(f.hub.publish_client(c, 0, net::SharedFrame::make_text("own"), 10) == 0);
    CHECK(f.bus.sequenced == std::vector<std::string>{"feed tick from 0 origin 255 excl sock-9",
                                                      "feed client-x from 10 origin 0 excl "});
    CHECK(f.t.sent.empty());
    CHECK(f.bus.broadcasts == 0);

    SECTION("without the store, history channels are delivered as any other") {
        f.hub.attach_history(nullptr);
        CHECK(f.hub.publish_event(e, "") == 1);
        CHECK(f.bus.broadcasts == 1);
    }
}

TEST_CASE("ChannelHub history: sequenced events are delivered once, in order, with positions",
          "[channel][history]") {
    Fixture f;
    f.hub.subscribe("feed", 10, 0);
    f.hub.subscribe("feed", 11, 0);
    f.hub.subscribe("feed", 9, 0);
    CHECK(f.sequence(1) == 3);
    CHECK(f.sequence(2, 1, 11) == 2);  // the publisher, on this slot, is skipped
    CHECK(f.sequence(2) == 0);         // a repeat of an offset already delivered
    channel::SequencedEvent s;
    s.event = channel::Event{"feed", "e3", "d", {}, false};
    s.event.offset = 3;
    s.epoch = kEpoch;
    s.exclusion = "sock-9";
    f.store.events[3] = "e3";
    CHECK(f.hub.deliver_sequenced(s) == 2);
    CHECK(f.t.to(10) == std::vector<std::string>{f.at(1), f.at(2), f.at(3)});
    CHECK(f.t.to(11) == std::vector<std::string>{f.at(1), f.at(3)});
    CHECK(f.t.to(9) == std::vector<std::string>{f.at(1), f.at(2)});
}

TEST_CASE("ChannelHub history: a recovery serves the gap up to the seam, then live follows",
          "[channel][history]") {
    Fixture f;
    f.hub.subscribe("feed", 10, 0);
    for (std::uint64_t o = 1; o <= 4; ++o)
        f.sequence(o);
    const auto start = f.hub.start_history("feed", 20, 0, from(2), {100, 300});
    CHECK(start.position == 4);
    CHECK(start.recovered);
    CHECK(f.hub.send_recovered("feed", 20, 0) == 2);
    f.sequence(5);
    CHECK(f.t.to(20) == std::vector<std::string>{f.at(3), f.at(4), f.at(5)});

    SECTION("the store ahead of this worker: what live delivery will bring is not served twice") {
        f.store.events[6] = "e6";  // appended; its control record is still on its way
        const auto s2 = f.hub.start_history("feed", 21, 0, from(3), {100, 300});
        CHECK(s2.position == 5);
        f.hub.send_recovered("feed", 21, 0);
        f.sequence(6);
        CHECK(f.t.to(21) == std::vector<std::string>{f.at(4), f.at(5), f.at(6)});
    }
    SECTION("nothing missed: recovered, nothing sent") {
        const auto s2 = f.hub.start_history("feed", 21, 0, from(5), {100, 300});
        CHECK(s2.recovered);
        CHECK(f.hub.send_recovered("feed", 21, 0) == 0);
    }
    SECTION("a plain subscription starts at the seam") {
        const auto s2 = f.hub.start_history("feed", 21, 0, {}, {100, 300});
        CHECK(s2.position == 5);
        CHECK(s2.recovered);
        CHECK(f.hub.send_recovered("feed", 21, 0) == 0);
    }
}

TEST_CASE("ChannelHub history: a client ahead of this worker joins when live delivery reaches it",
          "[channel][history]") {
    Fixture f;
    f.hub.subscribe("feed", 10, 0);
    f.sequence(1);
    // The client saw 1..3 on a worker further ahead; 2 and 3 are in the store, not here yet.
    f.store.events[2] = "e2";
    f.store.events[3] = "e3";
    const auto start = f.hub.start_history("feed", 20, 0, from(3), {100, 300});
    CHECK(start.recovered);
    CHECK(start.position == 3);
    CHECK(f.hub.send_recovered("feed", 20, 0) == 0);
    f.sequence(2);
    f.sequence(3);
    f.sequence(4);
    CHECK(f.t.to(20) == std::vector<std::string>{f.at(4)});
    CHECK(f.t.to(10) == std::vector<std::string>{f.at(1), f.at(2), f.at(3), f.at(4)});

    SECTION("leaving before then drops the wait") {
        f.store.events[5] = "e5";
        f.hub.start_history("feed", 30, 0, from(5), {100, 300});
        f.hub.unsubscribe("feed", 30);
        f.sequence(5);
        f.sequence(6);
        CHECK(f.t.to(30).empty());
    }
}

TEST_CASE(
    "ChannelHub history: another epoch, a position beyond the store, or a gap older than "
    "the window is not recovered",
    "[channel][history]") {
    Fixture f;
    for (std::uint64_t o = 1; o <= 6; ++o)
        f.sequence(o);
    SECTION("another epoch: the stream's window, recovered false") {
        const auto s = f.hub.start_history("feed", 20, 0, from(5, 42), {4, 300});
        CHECK_FALSE(s.recovered);
        f.hub.send_recovered("feed", 20, 0);
        CHECK(f.t.to(20) == std::vector<std::string>{f.at(3), f.at(4), f.at(5), f.at(6)});
    }
    SECTION("ahead of the store") {
        const auto s = f.hub.start_history("feed", 20, 0, from(60), {4, 300});
        CHECK_FALSE(s.recovered);
        CHECK(s.position == 6);
    }
    SECTION("older than the window") {
        const auto s = f.hub.start_history("feed", 20, 0, from(1), {4, 300});
        CHECK_FALSE(s.recovered);
        f.hub.send_recovered("feed", 20, 0);
        CHECK(f.t.to(20).size() == 4);
    }
    SECTION("evicted from the store") {
        f.store.oldest_kept = 4;
        const auto s = f.hub.start_history("feed", 20, 0, from(2), {100, 300});
        CHECK_FALSE(s.recovered);
        f.hub.send_recovered("feed", 20, 0);
        CHECK(f.t.to(20) == std::vector<std::string>{f.at(4), f.at(5), f.at(6)});
    }
}

TEST_CASE("ChannelHub history: epochs as text round-trip and nothing else parses",
          "[channel][history]") {
    std::uint64_t e = 0;
    CHECK(channel::parse_epoch(channel::epoch_text(kEpoch).view(), e));
    CHECK(e == kEpoch);
    CHECK(channel::epoch_text(1).view() == "0000000000000001");
    CHECK_FALSE(channel::parse_epoch("ABCDEF0123456789", e));
    CHECK_FALSE(channel::parse_epoch("abc", e));
    CHECK_FALSE(channel::parse_epoch("", e));
}

TEST_CASE("ChannelHub history: a topic's stream can change epoch (a cluster's numbering)",
          "[channel][history]") {
    Fixture f;
    constexpr std::uint64_t kNext = 0x1111222233334444ull;
    const std::string next = std::string(channel::epoch_text(kNext).view());
    const auto at_next = [&](std::uint64_t o) {
        return "e" + std::to_string(o) + "@" + std::to_string(o) + "/" + next;
    };
    f.hub.subscribe("feed", 10, 0);
    f.sequence(1);
    f.sequence(2);
    // A record of another epoch starts the stream again at itself: delivered, not taken for a
    // repeat of offset 1.
    CHECK(f.sequence(1, 2, channel::kNoConn, true, kNext) == 1);
    CHECK(f.sequence(2, 2, channel::kNoConn, true, kNext) == 1);
    CHECK(f.sequence(2, 2, channel::kNoConn, true, kNext) == 0);
    CHECK(f.t.to(10) == std::vector<std::string>{f.at(1), f.at(2), at_next(1), at_next(2)});

    SECTION("a subscription is told the current stream's epoch") {
        const auto s = f.hub.start_history("feed", 20, 0, {}, {100, 300});
        CHECK((s.position == 2 && s.epoch.view() == next));
    }
    SECTION("a position of the old stream is not recovered: the new stream is served") {
        const auto s = f.hub.start_history("feed", 20, 0, from(1), {100, 300});
        CHECK_FALSE(s.recovered);
        CHECK(s.epoch.view() == next);
        f.hub.send_recovered("feed", 20, 0);
        CHECK(f.t.to(20) == std::vector<std::string>{at_next(1), at_next(2)});
    }
    SECTION("offset 0 names no stream: the whole of the new one is recovered") {
        const auto s = f.hub.start_history("feed", 20, 0, from(0, 42), {100, 300});
        CHECK(s.recovered);
        f.hub.send_recovered("feed", 20, 0);
        CHECK(f.t.to(20) == std::vector<std::string>{at_next(1), at_next(2)});
    }
    SECTION("a client waiting for this worker to catch up joins when the stream changes") {
        f.store.events[3] = "e3";  // of kNext, on its way
        const auto s = f.hub.start_history("feed", 20, 0, from(3, kNext), {100, 300});
        CHECK(s.position == 3);
        constexpr std::uint64_t kThird = 0x3333ull;
        CHECK(f.sequence(1, 2, channel::kNoConn, true, kThird) == 2);
        CHECK(f.t.to(20).size() == 1);
    }
    SECTION("the store already on a newer stream than live delivery here: nothing is served now") {
        f.store.events.clear();
        f.store.stream = 0x5555ull;
        f.store.events[1] = "e1";
        const auto s = f.hub.start_history("feed", 20, 0, from(1, kNext), {100, 300});
        CHECK_FALSE(s.recovered);
        CHECK(f.hub.send_recovered("feed", 20, 0) == 0);
        const auto s2 = f.hub.start_history("feed", 21, 0, from(2, kNext), {100, 300});
        CHECK(s2.recovered);  // nothing missed of the stream it knows; the new one comes live
    }
}

TEST_CASE("ChannelHub history: a recovered client event keeps its user id and protocol",
          "[channel][history]") {
    Fixture f;
    f.hub.subscribe("feed", 10, 0);
    f.sequence(1);
    f.store.users[2] = "u7";
    f.sequence(2);
    f.hub.start_history("feed", 20, 0, from(0), {100, 300});
    CHECK(f.hub.send_recovered("feed", 20, 0) == 2);
    CHECK(f.t.to(20) == std::vector<std::string>{f.at(1), "e2@2/" + f.epoch + ":client(u7)"});
}
