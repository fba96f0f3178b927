// SPDX-License-Identifier: MIT
// test-labels: unit supervisor host_view
// test-links: shoal_supervisor shoal_worker
// The host view on a real segment: records written into worker rings build the host's table;
// host-wide notifications fire once per topic and once per user however many workers share them;
// worker_down drops a slot; a lapped ring is resynced through the control ring (answered by hand
// and by a real worker's HubBridge); an idle view backs off and comes back at once.
#include "supervisor/host_view/host_view.hpp"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/clock.hpp"
#include "shm_bus/control_records.hpp"
#include "shm_bus/records/bus_records.hpp"
#include "shm_bus/ring_writer.hpp"
#include "supervisor/bus_lock.hpp"
#include "tests/support/fake_transport.hpp"
#include "worker/bus_bridge/hub_bridge.hpp"

using namespace shoal;
namespace rec = bus::records;
using host_view::HostView;

namespace {

// A supervisor's bus under a unique name: the lock, the segment, the control ring.
struct SupBus {
    std::string name;
    std::optional<sup::BusLock> lock;
    std::unique_ptr<sup::BusControl> bc;
    explicit SupBus(const char* tag, std::uint64_t ring_bytes = 4ull << 20)
        : name("shoal-hvtest-" + std::to_string(::getpid()) + "-" + tag) {
        auto l = sup::BusLock::acquire(name);
        REQUIRE(l.ok());
        lock.emplace(std::move(l.value()));
        bus::BusConfig c;
        c.slots = 2;
        c.ring_bytes = ring_bytes;
        c.max_record_bytes = 4096;
        auto b = sup::BusControl::create(*lock, name, c);
        REQUIRE(b.ok());
        bc = std::move(b.value());
    }
    ~SupBus() {
        bc.reset();
        lock->release_and_unlink();
    }
    bus::Segment& seg() { return bc->segment(); }
};

// A worker's ring, written by hand.
struct Ring {
    bus::RingWriter w;
    std::uint32_t slot;
    std::uint64_t epoch;
    Ring(bus::Segment& s, std::uint32_t slot_in, std::uint64_t epoch_in)
        : w(s, slot_in, epoch_in), slot(slot_in), epoch(epoch_in) {
        REQUIRE(w.recover().ok());
    }
    template <class R>
    void put(std::int32_t type, const R& r) {
        std::vector<std::byte> b(rec::size(r));
        rec::encode(r, b);
        REQUIRE(w.try_write(type, b));
    }
    void join(std::uint64_t conn, const char* topic, const char* user) {
        put(rec::kPresenceJoin, rec::PresenceJoin{conn, topic, user, R"({"n":1})", epoch});
    }
    void leave(std::uint64_t conn, const char* topic, const char* user) {
        put(rec::kPresenceLeave, rec::PresenceLeave{conn, topic, user, epoch});
    }
    void count(const char* topic, std::uint32_t n) {
        put(rec::kTopicCount, rec::TopicCount{n, topic});
    }
};

// The next feature's stand-in: every host-wide change as one line.
struct Changes final : host_view::HostObserver {
    std::vector<std::string> got;
    void on_occupied(std::string_view t) override { got.push_back("occupied " + std::string(t)); }
    void on_vacated(std::string_view t) override { got.push_back("vacated " + std::string(t)); }
    void on_member_added(std::string_view t, std::string_view u, std::string_view) override {
        got.push_back("added " + std::string(t) + " " + std::string(u));
    }
    void on_member_removed(std::string_view t, std::string_view u) override {
        got.push_back("removed " + std::string(t) + " " + std::string(u));
    }
    std::vector<std::string> take() { return std::exchange(got, {}); }
};

// The relay's stand-in: what it would forward, as lines.
struct Relay final : host_view::HostViewSink {
    std::vector<std::string> out;
    std::uint64_t lost = 0;
    bool stopped = false;
    void on_record(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p,
                   bool changed) override {
        if (!changed) return;
        std::string line = std::to_string(slot) + " ";
        rec::PresenceLeave l;
        rec::TopicCount c;
        if (type == rec::kPresenceLeave && rec::decode(p, l))
            line += "leave " + std::string(l.user_id);
        else if (type == rec::kTopicCount && rec::decode(p, c))
            line += "count " + std::string(c.topic) + "=" + std::to_string(c.subscribers);
        else
            line += "type " + std::to_string(type);
        out.push_back(line);
    }
    void on_slot_down(std::uint32_t slot, std::uint64_t epoch) override {
        out.push_back("down " + std::to_string(slot) + "/" + std::to_string(epoch));
    }
    void on_lost(std::uint32_t, std::uint64_t records) override { lost += records; }
    void on_stop() override { stopped = true; }
    std::vector<std::string> take() { return std::exchange(out, {}); }
};

// Reads the control ring as a worker would; collects the view's snapshot requests.
struct ControlTap {
    bus::RingReader r;
    std::vector<std::uint32_t> requested;  // target slots
    explicit ControlTap(bus::Segment& s) : r(s, s.config().control_ring()) {}
    void on_record(std::int32_t type, std::span<const std::byte> p) noexcept {
        rec::Remote remote;
        rec::SnapshotRequest q;
        if (type == rec::kRemote && rec::decode(p, remote) && remote.slot == rec::kClusterSlot &&
            remote.type == rec::kSnapshotRequest && rec::decode(remote.inner, q) &&
            q.requester_slot == rec::kClusterSlot)
            requested.push_back(q.target_slot);
    }
    void on_lost(std::uint64_t, std::uint64_t) noexcept {}
    std::vector<std::uint32_t> take() {
        r.poll(*this, 1024);
        return std::exchange(requested, {});
    }
};

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("HostView: counts and members add up host-wide, notified once per topic and per user",
          "[supervisor][host_view]") {
    SupBus b("sums");
    HostView view(*b.bc);
    Changes changes;
    view.observe(changes);
    Ring r0(b.seg(), 0, 1), r1(b.seg(), 1, 1);

    r0.count("news", 2);
    r1.count("news", 1);
    r0.count("presence-r", 1);
    r1.count("presence-r", 1);
    r0.join(10, "presence-r", "ann");
    r1.join(10, "presence-r", "ann");  // the same user on another worker, same conn id
    r1.join(11, "presence-r", "bob");
    view.poll();
    CHECK(view.subscription_count("news") == 3);
    CHECK(view.subscription_count("presence-r") == 2);
    CHECK(view.user_count("presence-r") == 2);
    CHECK(view.table().member_count() == 3);
    CHECK(changes.take() == Lines{"occupied news", "occupied presence-r", "added presence-r ann",
                                  "added presence-r bob"});
    Lines occupied, users;
    view.state().for_each_occupied([&](std::string_view t, std::uint32_t n) {
        occupied.push_back(std::string(t) + "=" + std::to_string(n));
    });
    view.state().for_each_user("presence-r", [&](std::string_view u, std::uint32_t n) {
        users.push_back(std::string(u) + "=" + std::to_string(n));
    });
    CHECK(occupied == Lines{"news=3", "presence-r=2"});
    CHECK(users == Lines{"ann=2", "bob=1"});

    // A repeat (a snapshot answer to a worker) changes nothing and notifies nothing.
    r0.join(10, "presence-r", "ann");
    r0.count("news", 2);
    view.poll();
    CHECK(changes.take().empty());

    // ann's first connection goes: she stays (the other worker); news empties slot by slot.
    r0.leave(10, "presence-r", "ann");
    r0.count("news", 0);
    view.poll();
    CHECK(changes.take().empty());
    CHECK(view.subscription_count("news") == 1);
    r1.leave(10, "presence-r", "ann");
    r1.count("news", 0);
    view.poll();
    CHECK(changes.take() == Lines{"removed presence-r ann", "vacated news"});
    CHECK(view.user_count("presence-r") == 1);
    CHECK(view.counters().worker_records[rec::kPresenceJoin - rec::kBroadcast] == 4);
    CHECK(view.counters().worker_records[rec::kTopicCount - rec::kBroadcast] == 7);
    CHECK(view.counters().bad_records == 0);
}

TEST_CASE(
    "HostView: worker_down drops that slot's entries, notifies, and its late records stay "
    "dead",
    "[supervisor][host_view]") {
    SupBus b("down");
    HostView view(*b.bc);
    Changes changes;
    Relay relay;
    view.observe(changes);
    view.attach(relay, 1);
    Ring r0(b.seg(), 0, 1), r1(b.seg(), 1, 1);
    r0.count("presence-r", 1);
    r0.join(1, "presence-r", "ann");
    r1.count("presence-r", 2);
    r1.join(1, "presence-r", "ann");
    r1.join(2, "presence-r", "bob");
    r1.count("news", 4);
    view.poll();
    changes.take();
    relay.take();

    b.bc->announce_down(1, 1);
    view.poll();
    CHECK(changes.take() == Lines{"removed presence-r bob", "vacated news"});
    CHECK(relay.take() == Lines{"down 1/1"});
    CHECK(view.user_count("presence-r") == 1);
    CHECK(view.subscription_count("presence-r") == 1);
    CHECK(view.counters().worker_downs == 1);

    // The dead epoch's ring drained after its worker_down: its joins are ignored.
    r1.join(3, "presence-r", "cid");
    view.poll();
    CHECK(changes.take().empty());
    CHECK(view.user_count("presence-r") == 1);
    // The next epoch of the slot counts again.
    Ring r1b(b.seg(), 1, 2);
    r1b.join(3, "presence-r", "cid");
    view.poll();
    CHECK(changes.take() == Lines{"added presence-r cid"});
    CHECK(relay.take() == Lines{"1 type " + std::to_string(rec::kPresenceJoin)});
}

TEST_CASE("HostView: a lapped ring is asked for its state on the control ring and reconciled",
          "[supervisor][host_view]") {
    SupBus b("lap", 64 * 1024);  // the smallest ring: a few broadcasts lap it
    HostView view(*b.bc);
    Changes changes;
    Relay relay;
    view.observe(changes);
    view.attach(relay, 1);
    ControlTap tap(b.seg());
    Ring r1(b.seg(), 1, 1);
    r1.count("presence-r", 2);
    r1.join(1, "presence-r", "ann");
    r1.join(2, "presence-r", "bob");
    view.poll();
    changes.take();
    relay.take();

    // bob leaves while the view is not reading; then enough traffic to lap it.
    r1.leave(2, "presence-r", "bob");
    r1.count("presence-r", 1);
    const std::string data(3000, 'x');
    rec::Broadcast cast{"news", ""};
    cast.add(0, data);
    for (int i = 0; i < 40; ++i)
        r1.put(rec::kBroadcast, cast);
    view.poll();
    CHECK(view.counters().lost_records[1] > 0);
    CHECK(relay.lost == view.counters().lost_records[1]);
    CHECK(view.user_count("presence-r") == 2);  // the leave was lost: bob is still there
    CHECK(tap.take() == std::vector<std::uint32_t>{1});
    CHECK(view.counters().resyncs_requested == 1);
    relay.take();

    // The worker answers as HubBridge does: its state, then SnapshotDone for the requester.
    r1.join(1, "presence-r", "ann");
    r1.count("presence-r", 1);
    r1.put(rec::kSnapshotDone, rec::SnapshotDone{rec::kClusterSlot});
    view.poll();
    CHECK(changes.take() == Lines{"removed presence-r bob"});
    CHECK(view.user_count("presence-r") == 1);
    CHECK(view.subscription_count("presence-r") == 1);
    // The relay forwards only what changed the host: the count and bob's synthesized leave.
    CHECK(relay.take() == Lines{"1 count presence-r=1", "1 leave bob"});
    CHECK_FALSE(view.table().reconciling());
}

TEST_CASE("HostView: a view started after a worker learns its state from the real worker",
          "[supervisor][host_view]") {
    SupBus b("start");
    test::FakeTransport t;
    channel::ChannelHub hub(t, 0, 1);
    worker::HubBridge bridge(b.seg(), hub, 0, 1);
    REQUIRE(bridge.recover().ok());
    hub.attach_bus(&bridge);
    hub.subscribe("presence-r", 7, 0);
    hub.join("presence-r", "ann", R"({"name":"Ann"})", 7);
    hub.subscribe("news", 7, 0);
    hub.subscribe("news", 8, 0);
    bridge.publish_written();  // the worker's loop iteration ends
    sup::SlotPublish running;
    running.state = bus::SlotState::Running;
    running.epoch = 1;
    b.bc->publish(0, running);

    HostView view(*b.bc);  // its readers start at the tail: the joins above are behind it
    Changes changes;
    view.observe(changes);
    uv_loop_t loop;
    uv_loop_init(&loop);
    view.start(&loop);
    CHECK(view.table().reconciling(0));
    bridge.poll(4096);  // the worker reads the request on the control ring and answers
    bridge.publish_written();
    view.poll();
    CHECK(view.user_count("presence-r") == 1);
    CHECK(view.subscription_count("news") == 2);
    CHECK(view.subscription_count("presence-r") == 1);
    CHECK_FALSE(view.table().reconciling());
    Lines got = changes.take();
    std::sort(got.begin(), got.end());  // the worker's answer order is its own
    CHECK(got == Lines{"added presence-r ann", "occupied news", "occupied presence-r"});

    Relay relay;
    view.attach(relay, 1);
    view.stop();
    CHECK(relay.stopped);
    uv_run(&loop, UV_RUN_NOWAIT);  // the timer's close
    CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE(
    "HostView: polls at its lap-safe period whether records flow or not, and at 1 ms "
    "once a latency-critical sink attaches",
    "[supervisor][host_view]") {
    SupBus small("pace-small", 64 * 1024);
    CHECK(HostView(*small.bc).idle_ceiling_ms() == HostView::kMinPollMs);  // laps fastest
    SupBus b("pace");
    HostView view(*b.bc);
    CHECK(view.idle_ceiling_ms() == HostView::kMaxIdlePollMs);
    uv_loop_t loop;
    uv_loop_init(&loop);
    view.start(&loop);
    CHECK(view.poll_interval_ms() == HostView::kMaxIdlePollMs);
    Ring r0(b.seg(), 0, 1);
    r0.count("news", 1);
    while (view.subscription_count("news") == 0)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(view.poll_interval_ms() == HostView::kMaxIdlePollMs);  // records flowing: same period

    // A latency-critical sink (the cluster relay) pins the view at 1 ms.
    Relay relay;
    view.attach(relay, 1);
    CHECK(view.idle_ceiling_ms() == 1);
    for (int i = 0; i < 3; ++i)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(view.poll_interval_ms() == 1);
    view.stop();
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE(
    "HostView: its snapshot is shoal status's, with every slot's shared-memory counters "
    "summed for the host",
    "[supervisor][host_view]") {
    SupBus b("snap");
    HostView view(*b.bc);
    b.seg().slot(0).counters.add(common::Counter::ConnectionsAccepted, 5);
    b.seg().slot(1).counters.add(common::Counter::ConnectionsAccepted, 7);
    b.seg().slot(1).counters.add(common::Counter::LocalDeliveries, 40);
    const sup::ServerStatus s = view.snapshot(common::monotonic_ns());
    REQUIRE(s.slots.size() == 2);
    CHECK(s.bus == b.name);
    const auto at = [](common::Counter c) { return static_cast<std::size_t>(c); };
    CHECK(s.totals[at(common::Counter::ConnectionsAccepted)] == 12);
    CHECK(s.totals[at(common::Counter::LocalDeliveries)] == 40);
    CHECK(s.slots[1].counters[at(common::Counter::ConnectionsAccepted)] == 7);
}

namespace {

// What the cluster bridge writes for another host: its records under a pseudo-slot.
template <class R>
void remote(SupBus& b, std::uint32_t pseudo, std::int32_t type, const R& r) {
    std::vector<std::byte> inner(rec::size(r));
    rec::encode(r, inner);
    std::vector<std::byte> buf;
    REQUIRE(
        b.bc->write_control(rec::kRemote, rec::encode_into(buf, rec::Remote{pseudo, type, inner})));
}

}  // namespace

TEST_CASE(
    "HostView: the cluster table adds other hosts' pseudo-slots; a host's death and a "
    "muted join are counted right",
    "[supervisor][host_view]") {
    SupBus b("cluster");
    HostView view(*b.bc);
    Changes host, cluster;
    view.observe(host);
    view.observe_cluster(cluster);
    Ring r0(b.seg(), 0, 1);
    const std::uint32_t other = rec::kFirstRemoteSlot;

    // A user on this host and on another: added once for the cluster.
    r0.count("presence-r", 1);
    r0.join(10, "presence-r", "ann");
    view.poll();
    remote(b, other, rec::kTopicCount, rec::TopicCount{1, "presence-r"});
    remote(b, other, rec::kPresenceJoin, rec::PresenceJoin{77, "presence-r", "ann", "{}", 1});
    remote(b, other, rec::kTopicCount, rec::TopicCount{2, "remote-only"});
    remote(b, other, rec::kPresenceJoin, rec::PresenceJoin{78, "presence-r", "cat", "{}", 1});
    view.poll();
    CHECK(host.take() == Lines{"occupied presence-r", "added presence-r ann"});
    CHECK(cluster.take() == Lines{"occupied presence-r", "added presence-r ann",
                                  "occupied remote-only", "added presence-r cat"});
    CHECK(view.cluster_state().subscription_count("presence-r") == 2);
    CHECK(view.subscription_count("presence-r") == 1);  // the host's own answer is unchanged

    // ann leaves this host: still on the other one, so nothing for the cluster.
    r0.leave(10, "presence-r", "ann");
    r0.count("presence-r", 0);
    view.poll();
    CHECK(host.take() == Lines{"removed presence-r ann", "vacated presence-r"});
    CHECK(cluster.take().empty());

    // The other host dies: its pseudo-slot goes down, its users and channels leave the cluster.
    b.bc->announce_down(other, 1);
    view.poll();
    CHECK(cluster.take() == Lines{"removed presence-r ann", "removed presence-r cat",
                                  "vacated presence-r", "vacated remote-only"});
    CHECK(host.take().empty());

    // A joining host's first sync is old news: it moves the table, tells nobody.
    view.mute_remote_until(common::monotonic_ns() / 1'000'000 + 60'000);
    const std::uint32_t next = rec::kFirstRemoteSlot + 1;
    remote(b, next, rec::kTopicCount, rec::TopicCount{3, "old-news"});
    view.poll();
    CHECK(cluster.take().empty());
    CHECK(view.cluster_state().subscription_count("old-news") == 3);
    view.mute_remote_until(0);
    remote(b, next, rec::kTopicCount, rec::TopicCount{0, "old-news"});
    view.poll();
    CHECK(cluster.take() == Lines{"vacated old-news"});
    view.stop();
}
