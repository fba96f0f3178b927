// SPDX-License-Identifier: MIT
// Local rings (through the host view) -> Redis, once per host; Redis -> the control ring, once per
// host, read by every worker. A host's own messages come back from Redis and are dropped by their
// host id.
#include "supervisor/cluster/cluster_bridge.hpp"

#include <cstdio>
#include <cstring>
#include <random>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/log_event.hpp"
#include "shm_bus/records/bus_records.hpp"
#include "supervisor/cluster/cluster_wire.hpp"
#include "supervisor/cluster/remote_frames.hpp"

namespace shoal::cluster {
namespace {

namespace rec = bus::records;

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

}  // namespace

common::Result<std::unique_ptr<ClusterBridge>> ClusterBridge::start(uv_loop_t* loop,
                                                                    const common::Config& config,
                                                                    sup::BusControl& bus,
                                                                    host_view::HostView& view) {
    auto url = parse_redis_url(config.cluster.url);
    if (!url) return url.error();
    std::unique_ptr<ClusterBridge> b(new ClusterBridge(loop, config, bus, url.value(), view));
    bus.segment().host().cluster_link.store(bus::ClusterLink::Down, std::memory_order_relaxed);
    uv_timer_init(loop, &b->beat_timer_);
    b->beat_timer_.data = b.get();
    const std::uint64_t beat = std::max<std::uint64_t>(100, b->host_timeout_ms_ / 3);
    uv_timer_start(
        &b->beat_timer_, [](uv_timer_t* t) { static_cast<ClusterBridge*>(t->data)->heartbeat(); },
        beat, beat);
    SHOAL_INFO("cluster: host %016llx bridges bus %s to redis://%s:%u/%u (host timeout %u ms)",
               ull(b->host_), config.effective_bus_name().c_str(), url->host.c_str(), url->port,
               url->db, b->host_timeout_ms_);
    view.attach(*b, kPollMs);
    b->link_.start();
    return b;
}

ClusterBridge::ClusterBridge(uv_loop_t* loop, const common::Config& config, sup::BusControl& bus,
                             RedisUrl url, host_view::HostView& view)
    : loop_(loop),
      bus_(bus),
      host_timeout_ms_(config.cluster.host_timeout_ms),
      prefix_("shoal:" + config.app.id + ":"),
      address_(config.host + ":" + std::to_string(config.port)),
      host_(random_host_id()),
      view_(view),
      link_(loop, std::move(url), prefix_ + "bus", *this),
      remote_(*this),
      lease_(hex64(host_), config.cluster.host_timeout_ms),
      lease_key_(prefix_ + "webhooks:leader"),
      epoch_proposal_(hex64(random_host_id())) {}

ClusterBridge::~ClusterBridge() {
    view_.detach(*this);
}

std::string ClusterBridge::host_key(std::uint64_t host) const {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", ull(host));
    return prefix_ + "host:" + hex;
}

void ClusterBridge::wake_if_wrote() {
    if (!wrote_) return;
    wrote_ = false;
    bus_.wake_readers();
}

// The view has read the last worker_downs (and relayed them through on_slot_down).
void ClusterBridge::on_stop() {
    if (stopped_) return;
    stopped_ = true;
    if (link_.up()) {
        link_.command({"EVAL", LeaderLease::kReleaseScript, "1", lease_key_, lease_.self()});
        lease_.released(now_ms());
        relay_u64(static_cast<std::uint8_t>(WireKind::Bye), host_);
        link_.command({"DEL", host_key(host_)});
    }
    SHOAL_INFO("cluster: host %016llx leaving (out %llu, in %llu, dropped %llu, bad frames %llu)",
               ull(host_), ull(counters_.relayed_out), ull(counters_.relayed_in),
               ull(counters_.dropped_out), ull(counters_.bad_frames_in));
    link_.stop();
    uv_timer_stop(&beat_timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&beat_timer_), nullptr);
}

// The webhook lease rides on the heartbeat: acquired when free (once this host may lead),
// extended while ours; the answer arrives in on_value, tagged with when it was sent.
void ClusterBridge::renew_lease() {
    const std::uint64_t now = now_ms();
    const bool take = lease_.may_acquire(now, remote_.hosts().empty());
    link_.query({"EVAL", LeaderLease::kAcquireScript, "1", lease_key_, lease_.self(),
                 std::to_string(host_timeout_ms_), take ? "1" : "0"},
                now);
}

void ClusterBridge::on_value(std::uint64_t sent_ms, std::string_view value, bool, bool error) {
    if (error) {
        if (!lease_error_logged_)
            SHOAL_ERROR(
                "cluster: the webhook lease failed (%.*s); this host will not send the cluster's "
                "channel and presence webhooks (the Redis user needs EVAL)",
                static_cast<int>(value.size()), value.data());
        lease_error_logged_ = true;
        return;
    }
    if (first_answer_) {
        first_answer_ = false;
        // Another host leads a cluster this host just joined: what the others announce now is
        // their existing state, which that leader already reported; for the rest of this host's
        // first host timeout it moves the view silently (docs/webhooks.md). The first host of a
        // cluster mutes nothing: what reaches it is news.
        if (!value.empty() && value != lease_.self()) view_.mute_remote_until(lease_.settled_ms());
    }
    lease_.on_answer(sent_ms, value, now_ms());
}

void ClusterBridge::heartbeat() {
    if (!link_.up()) return;
    link_.command({"SET", host_key(host_), address_, "PX", std::to_string(host_timeout_ms_)});
    renew_lease();
    // Right after (re)connecting, other hosts may still be reconnecting themselves (a Redis
    // restart empties every key): judge only after a full timeout of our own link being up.
    if (now_ms() - up_since_ms_ < host_timeout_ms_) return;
    for (std::uint64_t h : remote_.hosts())
        link_.exists(host_key(h), h);
}

// ---- local rings -> Redis ------------------------------------------------------------------

void ClusterBridge::on_record(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p,
                              bool changed) {
    switch (type) {
        case rec::kBroadcast:
        case rec::kTerminateUser:
        case rec::kPresenceJoin:
        case rec::kPresenceLeave:
        case rec::kTopicCount:
            // The view says what is new to the host: a repeat in a snapshot answer is not, and
            // the leaves and zero counts of a resync arrive here as records of their own.
            if (changed) relay(static_cast<std::uint8_t>(WireKind::Record), slot, type, p);
            return;
        case rec::kSnapshotRequest: {
            // A (re)started worker wants the host's state: the other hosts' part is ours to give.
            rec::SnapshotRequest q;
            if (rec::decode(p, q) && q.requester_slot != rec::kClusterSlot &&
                (q.target_slot == rec::kAllSlots || q.target_slot == rec::kClusterSlot)) {
                remote_.answer_snapshot(q.requester_slot);
                wake_if_wrote();
            }
            return;
        }
        default:
            return;
    }
}

void ClusterBridge::on_slot_down(std::uint32_t slot, std::uint64_t epoch) {
    std::byte e[sizeof epoch];
    std::memcpy(e, &epoch, sizeof e);
    relay(static_cast<std::uint8_t>(WireKind::SlotDown), slot, 0, e);
}

void ClusterBridge::on_lost(std::uint32_t, std::uint64_t records) {
    counters_.lost_local += records;  // the view resyncs (a snapshot, or the slot table)
}

// The view missed records on the control ring: the other hosts' members and counts again, then
// Remote{kClusterSlot, SnapshotDone{kClusterSlot}} (workers ignore a done for that slot).
bool ClusterBridge::resend_remote_state() {
    remote_.answer_snapshot(rec::kClusterSlot);
    wake_if_wrote();
    return true;
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
    const host_view::MemberTable& local = view_.table();
    local.for_each_member([&](const MemberKey& k, std::string_view info) {
        relay(record, k.slot, rec::kPresenceJoin,
              rec::encode_into(buf, rec::PresenceJoin{k.conn, k.topic, k.user, info, k.epoch}));
    });
    local.for_each_count([&](std::uint32_t slot, std::string_view topic, std::uint32_t n) {
        relay(record, slot, rec::kTopicCount, rec::encode_into(buf, rec::TopicCount{n, topic}));
    });
    relay_u64(static_cast<std::uint8_t>(WireKind::SnapshotDone), 0);
}

// ---- Redis -> the control ring -------------------------------------------------------------

void ClusterBridge::publish_host_count() {
    bus_.segment().host().cluster_hosts.store(static_cast<std::uint32_t>(remote_.hosts().size()),
                                              std::memory_order_relaxed);
}

void ClusterBridge::on_link_up() {
    up_since_ms_ = now_ms();
    lease_.joined(up_since_ms_);  // the first link-up only
    bus::HostRecord& h = bus_.segment().host();
    h.cluster_link.store(bus::ClusterLink::Up, std::memory_order_relaxed);
    h.redis_connects.store(h.redis_connects.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
    link_.command({"SET", host_key(host_), address_, "PX", std::to_string(host_timeout_ms_)});
    announce_state();
    relay_u64(static_cast<std::uint8_t>(WireKind::SnapshotRequest), 0);
    renew_lease();
    SHOAL_INFO("cluster: host %016llx published its presence (%zu connections), asked the others",
               ull(host_), view_.table().member_count());
}

void ClusterBridge::on_link_down() {
    bus::HostRecord& h = bus_.segment().host();
    h.cluster_link.store(bus::ClusterLink::Down, std::memory_order_relaxed);
    h.redis_link_losses.store(h.redis_link_losses.load(std::memory_order_relaxed) + 1,
                              std::memory_order_relaxed);
    // Local delivery goes on; other hosts' members stay until they are judged again after the
    // link is back (their keys are checked only then).
}

void ClusterBridge::on_message(std::string_view payload) {
    WireMessage m;
    if (!decode_wire(payload, m)) {
        ++counters_.bad_in;
        return;
    }
    if (m.kind == WireKind::History) {
        on_history(m);  // every host's, ours included: the cluster's numbering is the order
        wake_if_wrote();
        return;
    }
    if (m.host == host_) return;  // our own, back from Redis
    on_wire(m);
    wake_if_wrote();
}

void ClusterBridge::on_wire(const WireMessage& m) {
    if (m.kind == WireKind::Bye) {
        char left[17];
        std::snprintf(left, sizeof left, "%016llx", ull(m.host));
        lease_.on_host_left(left, now_ms());
        if (!remote_.knows(m.host)) return;
        const std::size_t n = remote_.drop(m.host);
        publish_host_count();
        char id[24];
        std::snprintf(id, sizeof id, "%016llx", ull(m.host));
        common::log_event(common::LogLevel::Info, "cluster_host_left",
                          {common::field("host", id), common::field("connections", n)},
                          "cluster: host %s left; removed its %zu connections", id, n);
        return;
    }
    bool added = false;
    if (!remote_.ensure(m.host, added)) {
        ++counters_.bad_in;
        return;
    }
    if (added) {
        publish_host_count();
        char id[24];
        std::snprintf(id, sizeof id, "%016llx", ull(m.host));
        common::log_event(common::LogLevel::Info, "cluster_host_joined",
                          {common::field("host", id)}, "cluster: host %s joined", id);
        if (m.kind != WireKind::StateBegin)
            relay_u64(static_cast<std::uint8_t>(WireKind::SnapshotRequest), m.host);
    }
    std::uint64_t v = 0;
    switch (m.kind) {
        case WireKind::Record:
            // The trust boundary: frames from another host reach sockets here as they are.
            if (m.type == rec::kBroadcast && !valid_remote_broadcast(m.body)) {
                ++counters_.bad_frames_in;
                return;
            }
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
        case WireKind::History:
            return;
    }
}

// ---- channel history, numbered by Redis (docs/history.md, "Cluster") -----------------------

bool ClusterBridge::submit(std::uint32_t slot, std::string_view topic,
                           std::span<const std::byte> record) {
    if (stopped_ || !link_.up()) return false;
    const std::string message =
        encode_wire(WireKind::History, host_, slot, rec::kHistoryPublish, record);
    std::string key = prefix_ + "history:";
    key += topic;
    if (!link_.ordered({"EVAL", kNumberScript, "2", key, prefix_ + "bus", epoch_proposal_, message,
                        kNumberTtlMs}))
        return false;
    in_flight_.push_back({slot, std::vector<std::byte>(record.begin(), record.end())});
    return true;
}

void ClusterBridge::on_ordered(bool ok, bool link_lost, std::string_view error) {
    if (in_flight_.empty()) return;
    InFlight f = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (ok) return;
    ++counters_.history_unnumbered;
    if (!history_error_logged_ && !link_lost) {
        history_error_logged_ = true;
        SHOAL_ERROR(
            "cluster: redis refused to number a history event (%.*s); this host numbers "
            "its history events locally (the Redis user needs EVAL)",
            static_cast<int>(error.size()), error.data());
    }
    if (numbering_) numbering_->unnumbered(f.slot, f.record);
}

void ClusterBridge::on_history(const WireMessage& m) {
    std::span<const std::byte> record;
    std::uint64_t epoch = 0, offset = 0;
    if (!wire_numbered(m, record, epoch, offset) || !valid_remote_history(record)) {
        ++counters_.bad_in;
        return;
    }
    ++counters_.history_numbered;
    if (!numbering_) return;
    // Another host's publisher is no connection here: nothing to skip by slot.
    numbering_->numbered(m.host == host_ ? m.slot : rec::kClusterSlot, epoch, offset, record);
}

void ClusterBridge::on_exists(std::uint64_t host, bool exists) {
    if (exists || !remote_.knows(host)) return;
    const std::size_t n = remote_.drop(host);
    publish_host_count();
    ++counters_.hosts_expired;
    SHOAL_WARN(
        "cluster: host %016llx expired (its heartbeat key lapsed); removed its %zu "
        "connections",
        ull(host), n);
}

void ClusterBridge::remote(std::uint32_t pseudo_slot, std::int32_t type,
                           std::span<const std::byte> payload) {
    const rec::Remote r{pseudo_slot, type, payload};
    if (bus_.write_control(rec::kRemote, rec::encode_into(scratch_, r)))
        ++counters_.relayed_in;
    else
        ++counters_.refused_in;
    wrote_ = true;
}

void ClusterBridge::host_down(std::uint32_t pseudo_slot, std::uint64_t epoch) {
    bus_.announce_down(pseudo_slot, epoch);
}

}  // namespace shoal::cluster
