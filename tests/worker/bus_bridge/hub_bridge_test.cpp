// SPDX-License-Identifier: MIT
// test-links: shoal_worker
// test-support: alloc_counter
// Two or three HubBridges over one real segment in one process, each with its own hub and a fake
// transport: a publish on one worker reaches the others once with the same bytes, exclusion
// crosses workers, presence diffs and counts travel, a snapshot fills a newcomer, worker_down
// drops a slot, a lapped reader reconciles, and a worker's records become visible together when
// its loop iteration publishes them.
#include "worker/bus_bridge/hub_bridge.hpp"

#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "shm_bus/control_records.hpp"
#include "tests/support/alloc_counter.hpp"
#include "tests/support/fake_transport.hpp"
#include "tests/support/flag_apps.hpp"
#include "tests/support/test_segment.hpp"
#include "worker/session/pusher_sessions.hpp"

using namespace shoal;

namespace {

struct Worker {
    test::FakeTransport t;
    channel::ChannelHub hub;
    channel::AppDirectory apps{hub, test::flag_apps(common::Config{})};
    std::unique_ptr<worker::HubBridge> bridge;
    Worker(bus::Segment& seg, std::uint32_t slot, std::uint64_t epoch) : hub(t, slot, epoch) {
        bridge = std::make_unique<worker::HubBridge>(seg, hub, slot, epoch);
        REQUIRE(bridge->recover().ok());
        hub.attach_bus(bridge.get());
    }
    // The end of a loop iteration: what this worker wrote becomes visible to the others.
    void flush() { bridge->publish_written(); }
    // A drain as the loop does it: read, then publish what the reading wrote (answers).
    void poll() {
        bridge->poll(4096);
        flush();
    }
};

struct Bus {
    test::SegmentName name{"hubbridge"};
    std::optional<bus::Segment> seg;
    explicit Bus(std::uint64_t ring_bytes = 4ull << 20) {
        bus::BusConfig c;
        c.slots = 3;
        c.ring_bytes = ring_bytes;
        c.max_record_bytes = 4096;
        seg.emplace(test::create_segment(name, c));
    }
};

channel::Frames text_frame(const std::string& payload) {
    channel::Frames f;
    f[0] = net::SharedFrame::make_text(payload);
    return f;
}

}  // namespace

TEST_CASE(
    "HubBridge: a publish on one worker reaches each other worker's subscribers once with "
    "the same bytes",
    "[worker][bus_bridge]") {
    Bus b;
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1), w2(*b.seg, 2, 1);
    w1.hub.subscribe("news", 5, 0);
    w2.hub.subscribe("news", 6, 0);
    w2.hub.subscribe("news", 7, 1);  // another protocol: gets nothing from a Pusher-only frame
    auto frames = text_frame("hello");
    for (int i = 0; i < 3; ++i)
        w0.hub.publish("news", frames, channel::kNoConn, {});
    w0.flush();
    w1.poll();
    w2.poll();
    CHECK(w1.t.to(5) == std::vector<std::string>(3, "hello"));
    CHECK(w2.t.to(6) == std::vector<std::string>(3, "hello"));
    CHECK(w2.t.to(7).empty());
    REQUIRE(!w1.t.sent.empty());
    CHECK(w1.t.sent[0].frame->wire() == frames[0]->wire());
    w1.poll();
    CHECK(w1.t.to(5).size() == 3);  // nothing twice
    // The subscribe counts travelled too: w0 answers for the host.
    w0.poll();
    CHECK(w0.hub.subscription_count("news") == 3);
}

TEST_CASE("HubBridge: socket_id exclusion works across workers", "[worker][bus_bridge]") {
    Bus b;
    common::Config config;
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    session::PusherSessions p0(config, w0.hub, w0.apps, 100), p1(config, w1.hub, w1.apps, 200);
    p1.open(3, config.app.key, "protocol=7");
    p1.open(4, config.app.key, "protocol=7");
    std::string sub = R"({"event":"pusher:subscribe","data":{"channel":"news"}})";
    p1.message(3, sub);
    p1.message(4, sub);
    w1.t.clear();
    w0.poll();
    p0.trigger(p0.apps().default_app(), "news", "ev", "x",
               "200.3");  // published on worker 0, excludes a socket on 1
    w0.flush();
    w1.poll();
    CHECK(w1.t.to(3).empty());
    CHECK(w1.t.events_to(4) == std::vector<std::string>{"ev"});
}

TEST_CASE(
    "HubBridge: presence diffs travel, a newcomer's snapshot fills its replica, and "
    "worker_down drops a slot",
    "[worker][bus_bridge]") {
    Bus b;
    b.seg->slot(0).state.store(bus::SlotState::Running);
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    w0.hub.subscribe("presence-a", 9, 0);
    w0.hub.join("presence-a", "ann", R"({"n":1})", 9);
    w0.flush();
    w1.poll();
    CHECK(w1.hub.presence().user_count("presence-a") == 1);

    // Slot 2 starts late: its readers begin at the tail, so it learns w0's state by snapshot.
    Worker w2(*b.seg, 2, 1);
    w2.bridge->request_snapshots();
    CHECK(w2.bridge->awaiting_snapshots() == 1);  // only slot 0 is Running
    w2.flush();
    w0.poll();
    w1.poll();
    w2.poll();
    CHECK(w2.bridge->awaiting_snapshots() == 0);
    REQUIRE(w2.hub.presence().find("presence-a", "ann") != nullptr);
    CHECK(w2.hub.presence().find("presence-a", "ann")->info_json == R"({"n":1})");
    CHECK(w2.hub.subscription_count("presence-a") == 1);

    // The supervisor announces slot 0 down: everyone drops its members.
    bus::RingWriter control(*b.seg, b.seg->config().control_ring(), 1);
    REQUIRE(control.recover().ok());
    bus::WorkerDown down{0, 0, 1};
    REQUIRE(control.try_write(bus::kWorkerDownType, bus::control_bytes(down)));
    w1.poll();
    w2.poll();
    CHECK(w1.hub.presence().user_count("presence-a") == 0);
    CHECK(w2.hub.presence().user_count("presence-a") == 0);
    CHECK(w2.hub.subscription_count("presence-a") == 0);
}

TEST_CASE("HubBridge: a lapped reader asks for a snapshot and missed leaves do not linger",
          "[worker][bus_bridge]") {
    Bus b(64 * 1024);
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    w0.hub.join("presence-a", "ann", "{}", 1);
    w0.hub.join("presence-a", "bob", "{}", 2);
    w0.flush();
    w1.poll();
    CHECK(w1.hub.presence().user_count("presence-a") == 2);
    // While w1 is not looking, bob leaves and enough traffic passes to lap w1's reader.
    w0.hub.leave("presence-a", "bob", 2);
    auto frames = text_frame(std::string(1000, 'x'));
    for (int i = 0; i < 200; ++i)
        w0.hub.publish("news", frames, channel::kNoConn, {});
    w0.flush();
    w1.poll();  // sees the lap, asks w0
    CHECK(w1.bridge->stats().lost_in > 0);
    w0.poll();  // answers
    w1.poll();  // reconciles
    CHECK(w1.hub.presence().user_count("presence-a") == 1);
    CHECK(w1.hub.presence().find("presence-a", "ann") != nullptr);
    CHECK(w1.hub.presence().find("presence-a", "bob") == nullptr);
}

TEST_CASE("HubBridge: undecodable records are counted and skipped", "[worker][bus_bridge]") {
    Bus b;
    Worker w1(*b.seg, 1, 1);
    bus::RingWriter rogue(*b.seg, 0, 1);
    REQUIRE(rogue.recover().ok());
    const std::byte junk[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
    for (std::int32_t type = 0x4201; type <= 0x4208; ++type)
        REQUIRE(rogue.try_write(type, junk));
    w1.poll();
    CHECK(w1.bridge->stats().bad_in == 8);
}

TEST_CASE("HubBridge: a cluster record on the control ring may not name a real slot",
          "[worker][bus_bridge]") {
    namespace rec = bus::records;
    Bus b;
    Worker w1(*b.seg, 1, 1);
    bus::RingWriter control(*b.seg, b.seg->config().control_ring(), 1);
    REQUIRE(control.recover().ok());
    auto write_remote = [&](std::uint32_t slot) {
        const rec::PresenceJoin j{5, "presence-a", "mallory", "{}", 1};
        std::vector<std::byte> inner(rec::size(j));
        rec::encode(j, inner);
        const rec::Remote r{slot, rec::kPresenceJoin, inner};
        std::vector<std::byte> buf(rec::size(r));
        rec::encode(r, buf);
        REQUIRE(control.try_write(rec::kRemote, buf));
    };
    write_remote(0);  // slot 0 is a local worker: refused, its state is its own
    w1.poll();
    CHECK(w1.bridge->stats().bad_in == 1);
    CHECK(w1.hub.presence().user_count("presence-a") == 0);
    write_remote(rec::kFirstRemoteSlot);
    w1.poll();
    CHECK(w1.hub.presence().user_count("presence-a") == 1);
}

TEST_CASE("HubBridge: a reader lapped on the control ring still drops a dead slot's members",
          "[worker][bus_bridge]") {
    Bus b(64 * 1024);
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    b.seg->slot(0).epoch.store(1);
    b.seg->slot(0).state.store(bus::SlotState::Running);
    w0.hub.join("presence-a", "ann", "{}", 1);
    w0.flush();
    w1.poll();
    CHECK(w1.hub.presence().user_count("presence-a") == 1);
    // Slot 0 dies; its worker_down is then buried under a full lap of other control records.
    b.seg->slot(0).state.store(bus::SlotState::Down);
    bus::RingWriter control(*b.seg, b.seg->config().control_ring(), 1);
    REQUIRE(control.recover().ok());
    bus::WorkerDown down{0, 0, 1};
    REQUIRE(control.try_write(bus::kWorkerDownType, bus::control_bytes(down)));
    bus::WorkerUp up{2, 0, 1};
    for (int i = 0; i < 2000; ++i)
        REQUIRE(control.try_write(bus::kWorkerUpType, bus::control_bytes(up)));
    w1.poll();
    CHECK(w1.bridge->stats().records_in < 100);  // lapped: most control records were skipped
    CHECK(w1.hub.presence().user_count("presence-a") == 0);
}

TEST_CASE(
    "HubBridge: a cache channel's last event is kept by every worker, even without "
    "subscribers, and a newcomer gets it from one snapshot answer with its age",
    "[worker][bus_bridge][cache]") {
    Bus b;
    b.seg->slot(0).state.store(bus::SlotState::Running);
    b.seg->slot(1).state.store(bus::SlotState::Running);
    common::Config config;
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    session::PusherSessions p0(config, w0.hub, w0.apps, 100), p1(config, w1.hub, w1.apps, 200);
    p0.trigger(p0.apps().default_app(), "cache-x", "ev", "1", "");  // no subscriber anywhere
    p0.trigger(p0.apps().default_app(), "plain", "ev", "1", "");
    w0.flush();
    w1.poll();
    const std::string sub = R"({"event":"pusher:subscribe","data":{"channel":"cache-x"}})";
    p1.open(3, config.app.key, "protocol=7");
    p1.message(3, sub);
    w1.flush();
    CHECK(w1.t.events_to(3) == std::vector<std::string>{"pusher:connection_established",
                                                        "pusher_internal:subscription_succeeded",
                                                        "ev"});
    w0.poll();

    // Slot 2 starts 1790 s after the trigger: only slot 0 (the lowest live one) sends the cache.
    const std::uint64_t later = std::uint64_t{config.limits.cache_ttl_s - 10} * 1000;
    w0.t.now += later;
    w1.t.now += later;
    Worker w2(*b.seg, 2, 1);
    w2.t.now = w0.t.now;
    session::PusherSessions p2(config, w2.hub, w2.apps, 300);
    const auto out0 = w0.bridge->stats().records_out, out1 = w1.bridge->stats().records_out;
    w2.bridge->request_snapshots();
    w2.flush();
    w0.poll();
    w1.poll();
    w2.poll();
    CHECK(w0.bridge->stats().records_out - out0 == 2);  // the cached event and done
    CHECK(w1.bridge->stats().records_out - out1 == 2);  // its count of cache-x and done
    p2.open(4, config.app.key, "protocol=7");
    p2.message(4, sub);
    CHECK(w2.t.events_to(4).back() == "ev");
    // The age travelled: 11 s later the event is past the TTL on the newcomer too.
    w2.t.now += 11'000;
    p2.open(5, config.app.key, "protocol=7");
    p2.message(5, sub);
    CHECK(w2.t.events_to(5).back() == "pusher:cache_miss");
}

TEST_CASE(
    "HubBridge: records written in one loop iteration become visible together when it publishes, "
    "not before",
    "[worker][bus_bridge]") {
    Bus b;
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    w1.hub.subscribe("news", 5, 0);
    const std::uint64_t tail_before = b.seg->ring_header(0).tail.load();
    // One iteration of worker 0: a subscribe (its count), a join and two broadcasts, each
    // written to the ring as it happens.
    w0.hub.subscribe("presence-a", 9, 0);
    w0.hub.join("presence-a", "ann", "{}", 9);
    auto frames = text_frame("hello");
    w0.hub.publish("news", frames, channel::kNoConn, {});
    w0.hub.publish("news", frames, channel::kNoConn, {});
    CHECK(w0.bridge->stats().records_out == 4);
    // Written but not yet published: the ring's tail has not moved and a reader finds nothing.
    CHECK(b.seg->ring_header(0).tail.load() == tail_before);
    w1.poll();
    CHECK(w1.t.to(5).empty());
    CHECK(w1.hub.presence().user_count("presence-a") == 0);
    CHECK(w1.hub.subscription_count("presence-a") == 0);
    // The iteration's publish point: all four at once, and it reports that readers need waking.
    CHECK(w0.bridge->publish_written());
    CHECK(b.seg->ring_header(0).tail.load() > tail_before);
    w1.poll();
    CHECK(w1.t.to(5) == std::vector<std::string>(2, "hello"));
    CHECK(w1.hub.presence().user_count("presence-a") == 1);
    CHECK(w1.hub.subscription_count("presence-a") == 1);
    CHECK(w1.bridge->stats().records_in == 4);
    // Nothing new: the next publish point has nothing to show and wakes nobody.
    CHECK_FALSE(w0.bridge->publish_written());
}

TEST_CASE("HubBridge: a batch larger than a share of the ring is published while it is written",
          "[worker][bus_bridge]") {
    Bus b(64 * 1024);  // batches are published past 1/8 of it (8 KiB)
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    w1.hub.subscribe("news", 5, 0);
    auto frames = text_frame(std::string(1000, 'x'));
    for (int i = 0; i < 4; ++i)  // about 4 KiB: held back
        w0.hub.publish("news", frames, channel::kNoConn, {});
    w1.poll();
    CHECK(w1.t.to(5).empty());
    for (int i = 0; i < 8; ++i)  // past 8 KiB: published without waiting for the iteration
        w0.hub.publish("news", frames, channel::kNoConn, {});
    w1.poll();
    const std::size_t seen = w1.t.to(5).size();
    CHECK(seen > 4);
    CHECK(seen < 12);  // the records after the mid-batch publish still wait for the iteration
    w0.flush();
    w1.poll();
    CHECK(w1.t.to(5).size() == 12);
    CHECK(w1.bridge->stats().lost_in == 0);
}

TEST_CASE(
    "HubBridge: a burst of subscribes to one topic costs one count record per iteration, and "
    "records keep their order",
    "[worker][bus_bridge]") {
    Bus b;
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    const auto out_before = w0.bridge->stats().records_out;
    for (channel::ConnId c = 1; c <= 50; ++c)
        w0.hub.subscribe("crowd", c, 0);
    w0.hub.subscribe("other", 51, 0);
    w0.hub.unsubscribe("crowd", 50);
    w0.flush();
    CHECK(w0.bridge->stats().records_out - out_before == 2);  // "crowd" once, "other" once
    w1.poll();
    CHECK(w1.hub.subscription_count("crowd") == 49);  // the latest count, not a middle one
    CHECK(w1.hub.subscription_count("other") == 1);

    // A count waiting when another record is written goes first: a reader never sees a
    // broadcast to a topic before the count that came before it.
    w1.hub.subscribe("crowd", 7, 0);
    w0.hub.subscribe("crowd", 60, 0);
    const auto before_publish = w0.bridge->stats().records_out;
    w0.hub.publish("crowd", text_frame("after"), channel::kNoConn, {});
    CHECK(w0.bridge->stats().records_out - before_publish == 2);
    w0.flush();
    w1.poll();
    CHECK(w1.hub.subscription_count("crowd") == 51);  // 50 on w0 plus w1's own
    CHECK(w1.t.to(7) == std::vector<std::string>{"after"});
}

TEST_CASE(
    "HubBridge: past a burst of count records in a window, counts that change no occupancy wait "
    "for its end; occupancy changes and a full publish go at once",
    "[worker][bus_bridge]") {
    Bus b;
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    w0.bridge->hold_counts(50, 4);  // 4 count records per 50 ms window go at once
    auto publish_at = [&](std::uint64_t now_ms) {
        w0.bridge->publish_written_at(now_ms);
        w1.poll();
    };
    const auto out = w0.bridge->stats().records_out;
    for (channel::ConnId c = 1; c <= 4; ++c) {  // within the burst: every count goes at once
        w0.hub.subscribe("crowd", c, 0);
        publish_at(c);
        CHECK(w1.hub.subscription_count("crowd") == c);
    }
    CHECK(w0.bridge->stats().records_out - out == 4);
    w0.hub.subscribe("crowd", 5, 0);
    publish_at(5);  // the window's fifth record: held
    w0.hub.subscribe("crowd", 6, 0);
    publish_at(30);
    CHECK(w0.bridge->stats().records_out - out == 4);
    CHECK(w1.hub.subscription_count("crowd") == 4);
    publish_at(50);  // a new window: the latest count, one record
    CHECK(w0.bridge->stats().records_out - out == 5);
    CHECK(w1.hub.subscription_count("crowd") == 6);

    for (channel::ConnId c = 7; c <= 10; ++c) {  // fills the window (1 + 3), then waits
        w0.hub.subscribe("crowd", c, 0);
        publish_at(50 + c);
    }
    CHECK(w1.hub.subscription_count("crowd") == 9);
    for (channel::ConnId c = 10; c >= 2; --c)
        w0.hub.unsubscribe("crowd", c);
    publish_at(61);  // down to 1: it may be a vacated channel's step, so it is not held
    CHECK(w1.hub.subscription_count("crowd") == 1);
    w0.hub.unsubscribe("crowd", 1);
    publish_at(62);
    CHECK(w1.hub.subscription_count("crowd") == 0);

    for (channel::ConnId c = 11; c <= 13; ++c)
        w0.hub.subscribe("crowd", c, 0);
    w0.hub.subscribe("crowd", 14, 0);
    publish_at(63);  // "crowd" at 4 after 1 in the same batch: urgent
    CHECK(w1.hub.subscription_count("crowd") == 4);
    w0.hub.subscribe("crowd", 15, 0);
    publish_at(64);
    CHECK(w1.hub.subscription_count("crowd") == 4);
    w0.bridge->publish_written();  // no time given (detaching, start-up): everything goes
    w1.poll();
    CHECK(w1.hub.subscription_count("crowd") == 5);
}

TEST_CASE(
    "HubBridge: a broadcast from another worker is copied once, from the ring into the frame "
    "its subscribers get",
    "[worker][bus_bridge][alloc]") {
    Bus b;
    Worker w0(*b.seg, 0, 1), w1(*b.seg, 1, 1);
    for (channel::ConnId c = 1; c <= 3; ++c)
        w1.hub.subscribe("news", c, 0);
    w1.flush();
    w0.poll();
    const std::string payload(300, 'p');
    auto frames = text_frame(payload);
    w0.hub.publish("news", frames, channel::kNoConn, {});  // warm-up
    w0.flush();
    w1.poll();
    w1.t.clear();
    w1.t.sent.reserve(1000);  // the fake transport's own record of sends must not allocate

    constexpr int kMessages = 50;
    for (int i = 0; i < kMessages; ++i)
        w0.hub.publish("news", frames, channel::kNoConn, {});
    w0.flush();
    const auto scratch_before = w1.bridge->stats().scratch_bytes;
    test::AllocationScope scope;
    CHECK(w1.bridge->poll(4096) == kMessages);
    // One allocation per message (the block the reader copies the record into) and no byte
    // through the reader's scratch: the ring's bytes were copied exactly once.
    CHECK(scope.count() == kMessages);
    CHECK(w1.bridge->stats().scratch_bytes == scratch_before);
    REQUIRE(w1.t.sent.size() == 3u * kMessages);
    for (const auto& s : w1.t.sent) {
        CHECK(s.frame->wire() == frames[0]->wire());
        CHECK(s.frame->payload() == payload);
    }
    // The three subscribers of one message share one frame.
    CHECK(w1.t.sent[0].frame.use_count() == 3);
    CHECK(w1.t.sent[0].frame->wire().data() == w1.t.sent[2].frame->wire().data());

    // Control records still go through the scratch (and are counted there).
    w0.hub.subscribe("news", 9, 0);
    w0.flush();
    w1.poll();
    CHECK(w1.bridge->stats().scratch_bytes > scratch_before);
}
