// SPDX-License-Identifier: MIT
// test-labels: unit supervisor cluster
// test-links: shoal_supervisor shoal_worker
// RemoteHosts renders other hosts as pseudo-slots on a real control ring, read by a real worker
// HubBridge: remote members join the worker's replica once per user, counts add up, broadcasts
// arrive with the remote bytes, a remote slot's death and a host's death remove members, a
// reannounced state reconciles, and a (re)started worker waits for the bridge's snapshot.
#include "supervisor/cluster/remote_hosts.hpp"

#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "shm_bus/control_records.hpp"
#include "shm_bus/ring_writer.hpp"
#include "tests/support/fake_transport.hpp"
#include "tests/support/test_segment.hpp"
#include "worker/bus_bridge/hub_bridge.hpp"

using namespace shoal;
namespace rec = bus::records;

namespace {

struct Bus {
    test::SegmentName name{"remotehosts"};
    std::optional<bus::Segment> seg{test::create_segment(name, 2)};
};

// What the supervisor's bridge does with rendered records (cluster_bridge.cpp).
struct ControlRing final : cluster::ControlSink {
    bus::RingWriter w;
    std::vector<std::uint32_t> downs;
    explicit ControlRing(bus::Segment& s) : w(s, s.config().control_ring(), 1) {
        REQUIRE(w.recover().ok());
    }
    void remote(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p) override {
        const rec::Remote r{slot, type, p};
        std::vector<std::byte> buf(rec::size(r));
        rec::encode(r, buf);
        REQUIRE(w.try_write(rec::kRemote, buf));
    }
    void host_down(std::uint32_t slot, std::uint64_t epoch) override {
        downs.push_back(slot);
        bus::WorkerDown d{slot, 0, epoch};
        REQUIRE(w.try_write(bus::kWorkerDownType, bus::control_bytes(d)));
    }
};

struct Worker {
    test::FakeTransport t;
    channel::ChannelHub hub;
    worker::HubBridge bridge;
    Worker(bus::Segment& seg, std::uint32_t slot) : hub(t, slot, 1), bridge(seg, hub, slot, 1) {
        REQUIRE(bridge.recover().ok());
        hub.attach_bus(&bridge);
        bridge.set_cluster(true);
    }
    void poll() { bridge.poll(4096); }
};

template <class R>
std::vector<std::byte> bytes(const R& r) {
    std::vector<std::byte> b(rec::size(r));
    rec::encode(r, b);
    return b;
}

constexpr std::uint64_t kHostX = 0xA1;
constexpr std::uint64_t kHostY = 0xB2;

void join(cluster::RemoteHosts& rh, std::uint64_t host, std::uint32_t slot, std::uint64_t conn,
          const char* topic, const char* user) {
    REQUIRE(rh.on_record(host, slot, rec::kPresenceJoin,
                         bytes(rec::PresenceJoin{conn, topic, user, R"({"h":1})", 1})));
}

}  // namespace

TEST_CASE("RemoteHosts: another host's members appear once per user on a local worker",
          "[supervisor][cluster]") {
    Bus b;
    ControlRing ring(*b.seg);
    cluster::RemoteHosts rh(ring);
    Worker w(*b.seg, 0);
    bool added = false;
    REQUIRE(rh.ensure(kHostX, added));
    CHECK(added);
    w.hub.subscribe("presence-r", 5, 0);

    // The same user on two of X's workers: one member; X's connection ids may collide with
    // local ones and with each other's slots, and still stay apart.
    join(rh, kHostX, 0, 5, "presence-r", "xu");
    join(rh, kHostX, 1, 5, "presence-r", "xu");
    join(rh, kHostX, 1, 6, "presence-r", "xv");
    w.poll();
    CHECK(w.hub.presence().user_count("presence-r") == 2);
    REQUIRE(w.hub.presence().find("presence-r", "xu") != nullptr);
    CHECK(w.hub.presence().find("presence-r", "xu")->connections.size() == 2);
    CHECK(w.hub.presence().find("presence-r", "xu")->connections[0].slot == rec::kFirstRemoteSlot);

    // X's worker 1 dies: xv goes, xu stays through worker 0.
    rh.on_slot_down(kHostX, 1, 1);
    w.poll();
    CHECK(w.hub.presence().user_count("presence-r") == 1);
    CHECK(w.hub.presence().find("presence-r", "xu")->connections.size() == 1);

    // X dies: one worker_down of its pseudo-slot takes the rest.
    CHECK(rh.drop(kHostX) == 1);
    w.poll();
    CHECK(w.hub.presence().user_count("presence-r") == 0);
    CHECK(ring.downs == std::vector<std::uint32_t>{rec::kFirstRemoteSlot});
}

TEST_CASE("RemoteHosts: counts add up per host and broadcasts arrive with the remote bytes",
          "[supervisor][cluster]") {
    Bus b;
    ControlRing ring(*b.seg);
    cluster::RemoteHosts rh(ring);
    Worker w(*b.seg, 1);
    bool added = false;
    REQUIRE(rh.ensure(kHostX, added));
    REQUIRE(rh.ensure(kHostY, added));
    REQUIRE(rh.on_record(kHostX, 0, rec::kTopicCount, bytes(rec::TopicCount{3, "news"})));
    REQUIRE(rh.on_record(kHostX, 1, rec::kTopicCount, bytes(rec::TopicCount{2, "news"})));
    REQUIRE(rh.on_record(kHostY, 0, rec::kTopicCount, bytes(rec::TopicCount{4, "news"})));
    w.hub.subscribe("news", 9, 0);
    w.poll();
    CHECK(w.hub.subscription_count("news") == 1 + 3 + 2 + 4);
    rh.on_slot_down(kHostX, 0, 1);
    w.poll();
    CHECK(w.hub.subscription_count("news") == 1 + 2 + 4);

    const std::string frame = "\x81\x05hello";
    rec::Broadcast cast{"news", ""};
    cast.add(0, frame);
    REQUIRE(rh.on_record(kHostY, 0, rec::kBroadcast, bytes(cast)));
    w.poll();
    REQUIRE(w.t.sent.size() == 1);
    CHECK(w.t.sent[0].id == 9);
    CHECK(w.t.sent[0].frame->wire() == frame);
    CHECK_FALSE(rh.on_record(kHostY, 0, rec::kPresenceJoin, std::span<const std::byte>{}));
}

TEST_CASE("RemoteHosts: a reannounced state drops what it no longer holds",
          "[supervisor][cluster]") {
    Bus b;
    ControlRing ring(*b.seg);
    cluster::RemoteHosts rh(ring);
    Worker w(*b.seg, 0);
    bool added = false;
    REQUIRE(rh.ensure(kHostX, added));
    join(rh, kHostX, 0, 1, "presence-r", "keep");
    join(rh, kHostX, 0, 2, "presence-r", "gone");  // its leave was lost while Redis was down
    rh.begin_reconcile(kHostX);
    join(rh, kHostX, 0, 1, "presence-r", "keep");
    rh.end_reconcile(kHostX);
    w.poll();
    CHECK(w.hub.presence().find("presence-r", "keep") != nullptr);
    CHECK(w.hub.presence().find("presence-r", "gone") == nullptr);
    CHECK(rh.member_count(kHostX) == 1);
}

TEST_CASE("RemoteHosts: a starting worker waits for the cluster snapshot, which fills it",
          "[supervisor][cluster]") {
    Bus b;
    ControlRing ring(*b.seg);
    cluster::RemoteHosts rh(ring);
    bool added = false;
    REQUIRE(rh.ensure(kHostX, added));
    join(rh, kHostX, 0, 1, "presence-r", "xu");
    Worker w(*b.seg, 0);  // starts after: its reader begins at the tail
    w.bridge.request_snapshots();
    CHECK(w.bridge.awaiting_snapshots() == 1);  // the bridge (no other slot is running)
    rh.answer_snapshot(0);
    w.poll();
    CHECK(w.bridge.awaiting_snapshots() == 0);
    CHECK(w.hub.presence().find("presence-r", "xu") != nullptr);
}

TEST_CASE("RemoteHosts: pseudo-slots are reused with a newer epoch, and run out at 64 hosts",
          "[supervisor][cluster]") {
    Bus b;
    ControlRing ring(*b.seg);
    cluster::RemoteHosts rh(ring);
    Worker w(*b.seg, 0);
    bool added = false;
    REQUIRE(rh.ensure(kHostX, added));
    join(rh, kHostX, 0, 1, "presence-r", "old");
    rh.drop(kHostX);
    // A new host takes the same pseudo-slot; the old epoch's late records stay dead.
    REQUIRE(rh.ensure(kHostY, added));
    join(rh, kHostY, 0, 1, "presence-r", "new");
    w.poll();
    CHECK(w.hub.presence().find("presence-r", "old") == nullptr);
    REQUIRE(w.hub.presence().find("presence-r", "new") != nullptr);
    CHECK(w.hub.presence().find("presence-r", "new")->connections[0].epoch == 2);

    for (std::uint64_t h = 1; h < rec::kMaxRemoteHosts; ++h)
        REQUIRE(rh.ensure(0x1000 + h, added));
    CHECK_FALSE(rh.ensure(0x9999, added));
    CHECK(rh.hosts().size() == rec::kMaxRemoteHosts);
}
