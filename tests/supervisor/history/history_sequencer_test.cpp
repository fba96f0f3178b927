// SPDX-License-Identifier: MIT
// test-labels: unit supervisor history
// test-links: shoal_supervisor shoal_worker
// The sequencer on a real segment, between two real workers' HubBridges: a publish on a history
// channel written by worker 0 is appended to the region (offsets 1, 2, ... per channel) and comes
// back on the control ring, delivered with its position by both workers (the publisher's too);
// the region is created fresh (a stale one replaced, a new epoch), read by a worker's
// HistoryAccess, and removed when the sequencer goes.
#include "supervisor/history/history_sequencer.hpp"

#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "supervisor/bus_lock.hpp"
#include "tests/support/fake_transport.hpp"
#include "worker/bus_bridge/history_access.hpp"
#include "worker/bus_bridge/hub_bridge.hpp"

using namespace shoal;

namespace {

struct PositionAdapter final : channel::ProtocolAdapter {
    bool show_epoch = false;
    net::FrameRef encode_event(const channel::Event& e) override {
        std::string text = std::string(e.name) + "@" + std::to_string(e.offset);
        if (show_epoch) text += "/" + std::string(e.epoch);
        return net::SharedFrame::make_text(text);
    }
};

// The cluster's order as the Redis bridge gives it, driven by the test.
struct FakeOrder final : sup::HistoryOrder {
    bool up = true;
    std::vector<std::pair<std::uint32_t, std::vector<std::byte>>> submitted;
    std::vector<std::string> topics;
    bool submit(std::uint32_t slot, std::string_view topic,
                std::span<const std::byte> record) override {
        if (!up) return false;
        submitted.emplace_back(slot, std::vector<std::byte>(record.begin(), record.end()));
        topics.emplace_back(topic);
        return true;
    }
};

struct Worker {
    test::FakeTransport t;
    PositionAdapter adapter;
    channel::ChannelHub hub;
    worker::HubBridge bridge;
    std::optional<worker::HistoryAccess> history;
    Worker(bus::Segment& seg, std::uint32_t slot, const std::string& bus_name)
        : hub(t, slot, 1), bridge(seg, hub, slot, 1) {
        REQUIRE(bridge.recover().ok());
        hub.add_adapter(0, adapter);
        hub.attach_bus(&bridge);
        auto h = worker::HistoryAccess::attach(bus_name);
        REQUIRE(h.ok());
        history.emplace(std::move(h).value());
        hub.attach_history(&*history);
    }
};

struct Host {
    std::string name = "shoal-seqtest-" + std::to_string(::getpid());
    std::optional<sup::BusLock> lock;
    std::unique_ptr<sup::BusControl> bc;
    Host() {
        auto l = sup::BusLock::acquire(name);
        REQUIRE(l.ok());
        lock.emplace(std::move(l.value()));
        bus::BusConfig c;
        c.slots = 2;
        c.ring_bytes = 1 << 20;
        c.max_record_bytes = 4096;
        auto b = sup::BusControl::create(*lock, name, c);
        REQUIRE(b.ok());
        bc = std::move(b.value());
    }
    ~Host() {
        bc.reset();
        lock->release_and_unlink();
    }
};

bus::HistoryConfig small_region() {
    bus::HistoryConfig c;
    c.data_bytes = 1 << 20;
    c.index_entries = 64;
    c.max_event_bytes = 4096;
    return c;
}

}  // namespace

TEST_CASE("HistorySequencer: a history publish is sequenced once and delivered by every worker",
          "[supervisor][history]") {
    Host host;
    const std::string region = bus::HistorySegment::name_for(host.name);
    // A stale region of a dead supervisor is replaced: a new epoch.
    auto stale = bus::HistorySegment::create(region, small_region(), 42);
    REQUIRE(stale.ok());
    host_view::HostView view(*host.bc);
    auto s = sup::HistorySequencer::start(view, *host.bc, small_region(), true);
    REQUIRE(s.ok());
    std::unique_ptr<sup::HistorySequencer> seq = std::move(s.value());
    CHECK(seq->epoch() != 42);

    Worker w0(host.bc->segment(), 0, host.name);
    Worker w1(host.bc->segment(), 1, host.name);
    CHECK(w0.history->epoch() == seq->epoch());
    w0.hub.subscribe("feed", 10, 0);
    w1.hub.subscribe("feed", 20, 0);
    for (const char* name : {"a", "b"}) {
        channel::Event e{"feed", name, "d", {}, false};
        e.history = true;
        CHECK(w0.hub.publish_event(e, "") == 0);  // not delivered by the publisher itself
    }
    channel::Event other{"other", "c", "d", {}, false};
    other.history = true;
    w0.hub.publish_event(other, "");
    w0.bridge.publish_written();
    CHECK(w0.t.sent.empty());
    view.poll();
    CHECK(seq->counters().sequenced == 3);
    w0.bridge.poll(64);
    w1.bridge.poll(64);
    CHECK(w0.t.to(10) == std::vector<std::string>{"a@1", "b@2"});
    CHECK(w1.t.to(20) == std::vector<std::string>{"a@1", "b@2"});

    channel::HistoryRead read;
    w1.history->read_since("feed", 0, 10, 0, read);
    CHECK(read.complete);
    CHECK(read.latest == 2);
    w1.history->read_since("other", 0, 10, 0, read);
    CHECK(read.latest == 1);

    SECTION("undecodable records are counted, not sequenced") {
        seq->on_record(0, bus::records::kHistoryPublish, {}, false);
        CHECK(seq->counters().bad == 1);
        CHECK(seq->counters().sequenced == 3);
    }
    seq.reset();
    CHECK_FALSE(bus::HistorySegment::attach_readonly(region).ok());
}

TEST_CASE(
    "HistorySequencer in a cluster: the cluster numbers, an outage numbers locally under "
    "its own epoch",
    "[supervisor][history][cluster]") {
    namespace rec = bus::records;
    Host host;
    host_view::HostView view(*host.bc);
    auto s = sup::HistorySequencer::start(view, *host.bc, small_region(), true);
    REQUIRE(s.ok());
    std::unique_ptr<sup::HistorySequencer> seq = std::move(s.value());
    FakeOrder order;
    seq->use_cluster(&order);
    Worker w0(host.bc->segment(), 0, host.name);
    Worker w1(host.bc->segment(), 1, host.name);
    w0.adapter.show_epoch = w1.adapter.show_epoch = true;
    w0.hub.subscribe("feed", 10, 0);
    w1.hub.subscribe("feed", 20, 0);
    const auto publish = [&](const char* name) {
        channel::Event e{"feed", name, "d", {}, false};
        e.history = true;
        CHECK(w0.hub.publish_event(e, "") == 0);
        w0.bridge.publish_written();
        view.poll();
    };
    const auto deliver = [&] {
        w0.bridge.poll(64);
        w1.bridge.poll(64);
    };
    constexpr std::uint64_t kCluster = 0x00000000000c1a55ull;
    const std::string cluster = std::string(channel::epoch_text(kCluster).view());

    // Submitted, not numbered here: nothing is delivered until the cluster's answer comes back.
    publish("a");
    REQUIRE(order.submitted.size() == 1);
    CHECK((order.submitted[0].first == 0 && order.topics[0] == "feed"));
    CHECK(seq->counters().submitted == 1);
    deliver();
    CHECK(w1.t.to(20).empty());

    // The answers: this host's publish, then another host's (no local publisher to skip).
    std::vector<std::byte> remote;
    rec::encode_into(remote, rec::HistoryPublish{5, 0xFF, 0, "feed", "b", "d", "", ""});
    seq->numbered(0, kCluster, 7, order.submitted[0].second);
    seq->numbered(rec::kClusterSlot, kCluster, 8, remote);
    deliver();
    CHECK(w0.t.to(10) == std::vector<std::string>{"a@7/" + cluster, "b@8/" + cluster});
    CHECK(w1.t.to(20) == std::vector<std::string>{"a@7/" + cluster, "b@8/" + cluster});
    channel::HistoryRead read;
    w1.history->read_since("feed", 6, 10, 0, read);
    CHECK((read.epoch == kCluster && read.latest == 8 && read.complete));
    CHECK(seq->outage_epoch() == 0);

    // Redis out of reach: numbered here, from 1, under an epoch of this outage.
    order.up = false;
    publish("c");
    const std::uint64_t outage = seq->outage_epoch();
    REQUIRE(outage != 0);
    REQUIRE(outage != kCluster);
    const std::string local = std::string(channel::epoch_text(outage).view());
    // A submit whose answer was lost with the link is numbered here too, in the same outage.
    order.up = true;
    publish("d");
    REQUIRE(order.submitted.size() == 2);
    seq->unnumbered(0, order.submitted[1].second);
    CHECK(seq->outage_epoch() == outage);
    CHECK(seq->counters().outage == 2);
    deliver();
    CHECK(w1.t.to(20) == std::vector<std::string>{"a@7/" + cluster, "b@8/" + cluster,
                                                  "c@1/" + local, "d@2/" + local});
    w1.history->read_since("feed", 0, 10, 0, read);
    CHECK((read.epoch == outage && read.latest == 2 && read.complete));

    // The cluster numbers again: a new stream for the workers; the next outage is a new epoch.
    seq->numbered(rec::kClusterSlot, kCluster, 9, remote);
    CHECK(seq->outage_epoch() == 0);
    deliver();
    CHECK(w1.t.to(20).back() == "b@9/" + cluster);
    w1.history->read_since("feed", 7, 10, 0, read);  // 8 is behind the outage: not complete
    CHECK((read.epoch == kCluster && read.latest == 9 && !read.complete));
    order.up = false;
    publish("e");
    CHECK((seq->outage_epoch() != 0 && seq->outage_epoch() != outage));
}
