// SPDX-License-Identifier: MIT
// Local rings -> Redis (once per host), Redis -> the control ring (once per host, read by every
// worker). A host's own messages come back from Redis and are dropped by their host id.
#include "supervisor/cluster/cluster_bridge.hpp"

#include <cstdio>
#include <cstring>
#include <random>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "shm_bus/control_records.hpp"
#include "supervisor/cluster/cluster_wire.hpp"
#include "shm_bus/records/bus_records.hpp"

namespace shoal::cluster {
namespace {

namespace rec = bus::records;

constexpr std::size_t kPollBudget = 256;

std::uint64_t now_ms() noexcept {
    return common::monotonic_ns() / 1'000'000;
}

std::uint64_t random_host_id() {
    std::random_device rd;
    const std::uint64_t id = (static_cast<std::uint64_t>(rd()) << 32) | rd();
    return id == 0 ? 1 : id;
}

unsigned long long ull(std::uint64_t v) {
    return static_cast<unsigned long long>(v);
}

template <class Record>
std::span<const std::byte> encoded(std::vector<std::byte>& buf, const Record& r) {
    buf.resize(rec::size(r));
    rec::encode(r, buf);
    return buf;
}

}  // namespace

common::Result<std::unique_ptr<ClusterBridge>> ClusterBridge::start(
    uv_loop_t* loop, const common::Config& config, sup::BusControl& bus,
    std::function<bool()> stopping) {
    auto url = parse_redis_url(config.cluster.url);
    if (!url) return url.error();
    std::unique_ptr<ClusterBridge> b(
        new ClusterBridge(loop, config, bus, url.value(), std::move(stopping)));
    uv_timer_init(loop, &b->poll_timer_);
    uv_timer_init(loop, &b->beat_timer_);
    b->poll_timer_.data = b->beat_timer_.data = b.get();
    uv_timer_start(
        &b->poll_timer_, [](uv_timer_t* t) { static_cast<ClusterBridge*>(t->data)->poll(); },
        kPollMs, kPollMs);
    const std::uint64_t beat = std::max<std::uint64_t>(100, b->host_timeout_ms_ / 3);
    uv_timer_start(
        &b->beat_timer_, [](uv_timer_t* t) { static_cast<ClusterBridge*>(t->data)->heartbeat(); },
        beat, beat);
    SHOAL_INFO("cluster: host %016llx bridges bus %s to redis://%s:%u/%u (host timeout %u ms)",
               ull(b->host_), config.effective_bus_name().c_str(), url->host.c_str(), url->port,
               url->db, b->host_timeout_ms_);
    b->link_.start();
    return b;
}

ClusterBridge::ClusterBridge(uv_loop_t* loop, const common::Config& config, sup::BusControl& bus,
                             RedisUrl url, std::function<bool()> stopping)
    : loop_(loop),
      bus_(bus),
      slots_(bus.segment().config().slots),
      host_timeout_ms_(config.cluster.host_timeout_ms),
      prefix_("shoal:" + config.app.id + ":"),
      address_(config.host + ":" + std::to_string(config.port)),
      host_(random_host_id()),
      stopping_(std::move(stopping)),
      link_(loop, std::move(url), prefix_ + "bus", *this),
      remote_(*this) {
    const std::uint32_t rings = bus.segment().config().ring_count();
    readers_.reserve(rings);
    for (std::uint32_t r = 0; r < rings; ++r) {
        readers_.emplace_back(bus.segment(), r);
        inboxes_.push_back({this, r});
    }
}

ClusterBridge::~ClusterBridge() = default;

std::string ClusterBridge::host_key(std::uint64_t host) const {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", ull(host));
    return prefix_ + "host:" + hex;
}

void ClusterBridge::poll() {
    if (!stopped_ && stopping_ && stopping_()) return stop();
    for (std::size_t i = 0; i < readers_.size(); ++i)
        readers_[i].poll(inboxes_[i], kPollBudget);
    if (wrote_) {
        wrote_ = false;
        bus_.wake_readers();
    }
}

void ClusterBridge::stop() {
    stopped_ = true;
    poll();  // the last worker_downs
    if (link_.up()) {
        relay_u64(static_cast<std::uint8_t>(WireKind::Bye), host_);
        link_.command({"DEL", host_key(host_)});
    }
    SHOAL_INFO("cluster: host %016llx leaving (out %llu, in %llu, dropped %llu)", ull(host_),
               ull(counters_.relayed_out), ull(counters_.relayed_in), ull(counters_.dropped_out));
    link_.stop();
    for (uv_timer_t* t : {&poll_timer_, &beat_timer_}) {
        uv_timer_stop(t);
        uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
    }
}

void ClusterBridge::heartbeat() {
    if (!link_.up()) return;
    link_.command({"SET", host_key(host_), address_, "PX", std::to_string(host_timeout_ms_)});
    // Right after (re)connecting, other hosts may still be reconnecting themselves (a Redis
    // restart empties every key): judge only after a full timeout of our own link being up.
    if (now_ms() - up_since_ms_ < host_timeout_ms_) return;
    for (std::uint64_t h : remote_.hosts())
        link_.exists(host_key(h), h);
}

// ---- local rings -> Redis ------------------------------------------------------------------

void ClusterBridge::on_record(std::uint32_t ring, std::int32_t type,
                              std::span<const std::byte> p) noexcept {
    if (ring == slots_) return on_control(type, p);
    on_local(ring, type, p);
}

void ClusterBridge::on_local(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p) {
    const auto kind = static_cast<std::uint8_t>(WireKind::Record);
    switch (type) {
        case rec::kBroadcast:
        case rec::kTerminateUser:
            return relay(kind, slot, type, p);
        case rec::kPresenceJoin: {
            rec::PresenceJoin j;
            if (!rec::decode(p, j)) return;
            MemberKey k{slot, j.epoch, j.conn, std::string(j.topic), std::string(j.user_id)};
            if (local_.join(k, j.user_info)) relay(kind, slot, type, p);
            return;
        }
        case rec::kPresenceLeave: {
            rec::PresenceLeave l;
            if (!rec::decode(p, l)) return;
            MemberKey k{slot, l.epoch, l.conn, std::string(l.topic), std::string(l.user_id)};
            if (local_.leave(k)) relay(kind, slot, type, p);
            return;
        }
        case rec::kTopicCount: {
            rec::TopicCount c;
            std::uint32_t old = 0;
            if (rec::decode(p, c) && local_.set_count(slot, c.topic, c.subscribers, old))
                relay(kind, slot, type, p);
            return;
        }
        case rec::kSnapshotRequest: {
            // A (re)started worker wants the host's state: the other hosts' part is ours to give.
            rec::SnapshotRequest q;
            if (rec::decode(p, q) && q.requester_slot != rec::kClusterSlot &&
                (q.target_slot == rec::kAllSlots || q.target_slot == rec::kClusterSlot))
                remote_.answer_snapshot(q.requester_slot);
            return;
        }
        case rec::kSnapshotDone: {
            rec::SnapshotDone d;
            if (!rec::decode(p, d) || d.requester_slot != rec::kClusterSlot) return;
            std::vector<std::byte> buf;
            local_.end_reconcile(
                [&](const MemberKey& k, std::string_view) {
                    relay(kind, k.slot, rec::kPresenceLeave,
                          encoded(buf, rec::PresenceLeave{k.conn, k.topic, k.user, k.epoch}));
                },
                [&](std::uint32_t s, std::string_view topic, std::uint32_t) {
                    relay(kind, s, rec::kTopicCount, encoded(buf, rec::TopicCount{0, topic}));
                });
            return;
        }
        default:
            return;
    }
}

void ClusterBridge::on_control(std::int32_t type, std::span<const std::byte> p) {
    if (type != bus::kWorkerDownType) return;  // worker_up, and our own records
    bus::WorkerDown d{};
    if (bus::decode_control(p, d) && d.slot < slots_) slot_down(d.slot, d.epoch);
}

void ClusterBridge::slot_down(std::uint32_t slot, std::uint64_t epoch) {
    local_.drop_slot(
        slot, epoch, [](const MemberKey&, std::string_view) {},
        [](std::uint32_t, std::string_view, std::uint32_t) {});
    std::byte e[sizeof epoch];
    std::memcpy(e, &epoch, sizeof e);
    relay(static_cast<std::uint8_t>(WireKind::SlotDown), slot, 0, e);
}

void ClusterBridge::on_lost(std::uint32_t ring, std::uint64_t records) noexcept {
    counters_.lost_local += records;
    if (ring >= slots_) {
        // The control ring: a worker_down may be lost; the slot table says which epochs are over.
        for (std::uint32_t slot = 0; slot < slots_; ++slot) {
            const auto& rec_slot = bus_.segment().slot(slot);
            const bus::SlotState st = rec_slot.state.load(std::memory_order_acquire);
            const std::uint64_t epoch = rec_slot.epoch.load(std::memory_order_relaxed);
            const bool live = st == bus::SlotState::Starting || st == bus::SlotState::Running ||
                              st == bus::SlotState::Stopping;
            if (epoch == 0) continue;
            slot_down(slot, live ? epoch - 1 : epoch);
        }
        return;
    }
    SHOAL_WARN("cluster: lapped on ring %u, lost %llu records; asking it for a snapshot", ring,
               ull(records));
    local_.begin_reconcile(ring);
    std::vector<std::byte> buf;  // not scratch_: remote() encodes into that
    remote(rec::kClusterSlot, rec::kSnapshotRequest,
           encoded(buf, rec::SnapshotRequest{rec::kClusterSlot, ring}));
}

void ClusterBridge::relay(std::uint8_t kind, std::uint32_t slot, std::int32_t type,
                          std::span<const std::byte> p) {
    if (!link_.up()) {
        ++counters_.dropped_out;
        return;
    }
    if (link_.publish(encode_wire(static_cast<WireKind>(kind), host_, slot, type, p)))
        ++counters_.relayed_out;
    else
        ++counters_.dropped_out;
}

void ClusterBridge::relay_u64(std::uint8_t kind, std::uint64_t value) {
    if (!link_.up()) return;
    if (link_.publish(encode_wire_u64(static_cast<WireKind>(kind), host_, value)))
        ++counters_.relayed_out;
}

void ClusterBridge::announce_state() {
    const auto record = static_cast<std::uint8_t>(WireKind::Record);
    relay(static_cast<std::uint8_t>(WireKind::StateBegin), 0, 0, {});
    std::vector<std::byte> buf;
    local_.for_each_member([&](const MemberKey& k, std::string_view info) {
        relay(record, k.slot, rec::kPresenceJoin,
              encoded(buf, rec::PresenceJoin{k.conn, k.topic, k.user, info, k.epoch}));
    });
    local_.for_each_count([&](std::uint32_t slot, std::string_view topic, std::uint32_t n) {
        relay(record, slot, rec::kTopicCount, encoded(buf, rec::TopicCount{n, topic}));
    });
    relay_u64(static_cast<std::uint8_t>(WireKind::SnapshotDone), 0);
}

// ---- Redis -> the control ring -------------------------------------------------------------

void ClusterBridge::on_link_up() {
    up_since_ms_ = now_ms();
    link_.command({"SET", host_key(host_), address_, "PX", std::to_string(host_timeout_ms_)});
    announce_state();
    relay_u64(static_cast<std::uint8_t>(WireKind::SnapshotRequest), 0);
    SHOAL_INFO("cluster: host %016llx published its presence (%zu connections), asked the others",
               ull(host_), local_.member_count());
}

void ClusterBridge::on_link_down() {
    // Local delivery goes on; other hosts' members stay until they are judged again after the
    // link is back (their keys are checked only then).
}

void ClusterBridge::on_message(std::string_view payload) {
    WireMessage m;
    if (!decode_wire(payload, m)) {
        ++counters_.bad_in;
        return;
    }
    if (m.host == host_) return;  // our own, back from Redis
    on_wire(m);
    if (wrote_) {
        wrote_ = false;
        bus_.wake_readers();
    }
}

void ClusterBridge::on_wire(const WireMessage& m) {
    if (m.kind == WireKind::Bye) {
        if (!remote_.knows(m.host)) return;
        const std::size_t n = remote_.drop(m.host);
        SHOAL_INFO("cluster: host %016llx left; removed its %zu connections", ull(m.host), n);
        return;
    }
    bool added = false;
    if (!remote_.ensure(m.host, added)) {
        ++counters_.bad_in;
        return;
    }
    if (added) {
        SHOAL_INFO("cluster: host %016llx joined", ull(m.host));
        if (m.kind != WireKind::StateBegin)
            relay_u64(static_cast<std::uint8_t>(WireKind::SnapshotRequest), m.host);
    }
    std::uint64_t v = 0;
    switch (m.kind) {
        case WireKind::Record:
            if (!remote_.on_record(m.host, m.slot, m.type, m.body)) ++counters_.bad_in;
            return;
        case WireKind::SlotDown:
            if (wire_u64(m, v)) remote_.on_slot_down(m.host, m.slot, v);
            return;
        case WireKind::SnapshotRequest:
            if (wire_u64(m, v) && (v == 0 || v == host_)) announce_state();
            return;
        case WireKind::StateBegin:
            remote_.begin_reconcile(m.host);
            return;
        case WireKind::SnapshotDone:
            remote_.end_reconcile(m.host);
            return;
        case WireKind::Bye:
            return;
    }
}

void ClusterBridge::on_exists(std::uint64_t host, bool exists) {
    if (exists || !remote_.knows(host)) return;
    const std::size_t n = remote_.drop(host);
    ++counters_.hosts_expired;
    SHOAL_WARN(
        "cluster: host %016llx expired (its heartbeat key lapsed); removed its %zu "
        "connections",
        ull(host), n);
}

void ClusterBridge::remote(std::uint32_t pseudo_slot, std::int32_t type,
                           std::span<const std::byte> payload) {
    const rec::Remote r{pseudo_slot, type, payload};
    if (bus_.write_control(rec::kRemote, encoded(scratch_, r)))
        ++counters_.relayed_in;
    else
        ++counters_.refused_in;
    wrote_ = true;
}

void ClusterBridge::host_down(std::uint32_t pseudo_slot, std::uint64_t epoch) {
    bus_.announce_down(pseudo_slot, epoch);
}

}  // namespace shoal::cluster
