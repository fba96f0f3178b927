// SPDX-License-Identifier: MIT
// Reading, applying, recovering, pacing. The view reads like any other reader of the bus: it
// copies records out and validates them, so a lap or garbage costs it records, and a lap costs a
// resync through the control ring (the only ring the supervisor writes).
#include "supervisor/host_view/host_view.hpp"

#include <algorithm>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "shm_bus/control_records.hpp"
#include "shm_bus/records/bus_records.hpp"

namespace shoal::host_view {
namespace {

namespace rec = bus::records;

// The supervisor's identity as a requester: a worker asked by a Remote{kClusterSlot,
// SnapshotRequest{kClusterSlot, slot}} on the control ring answers on its own ring, ending with
// SnapshotDone{kClusterSlot}; no worker ever uses that slot as its own.
constexpr std::uint32_t kViewSlot = rec::kClusterSlot;

// Pacing without --cluster. Nothing there is latency-critical (metrics, webhooks), so the view
// polls at one period, its ceiling, whether records flow or not (and at once, with no delay,
// while a ring still holds more than one poll's budget). The ceiling must stay well below the time
// a burst from idle needs to lap a ring: a worker's ring writes are bounded by the client and API
// messages it parses, a few hundred MB/s at most (kPeak, generous), so a ring of R bytes takes at
// least R / kPeak to lap; the view sleeps at most half of that, and never more than kMaxIdlePollMs
// (4 MiB rings: 10 ms; the 64 KiB minimum: 1 ms). A burst faster than that costs the view a resync,
// never a worker anything.
constexpr std::uint64_t kPeakWriteBytesPerMs = 200'000;

std::uint64_t now_ms() noexcept {
    return std::max<std::uint64_t>(1, common::monotonic_ns() / 1'000'000);
}

unsigned long long ull(std::uint64_t v) {
    return static_cast<unsigned long long>(v);
}

}  // namespace

HostView::HostView(sup::BusControl& bus)
    : bus_(bus), slots_(bus.segment().config().slots), requested_ms_(slots_, 0) {
    const std::uint32_t rings = bus.segment().config().ring_count();
    readers_.reserve(rings);
    inboxes_.reserve(rings);
    for (std::uint32_t r = 0; r < rings; ++r) {
        readers_.emplace_back(bus.segment(), r);
        inboxes_.push_back({this, r});
    }
    counters_.lost_records.assign(rings, 0);
    const std::uint64_t lap_ms = bus.segment().config().ring_bytes / kPeakWriteBytesPerMs;
    ceiling_ms_ = std::clamp<std::uint64_t>(lap_ms / 2, kMinPollMs, kMaxIdlePollMs);
}

void HostView::start(uv_loop_t* loop) {
    uv_timer_init(loop, &timer_);
    timer_.data = this;
    started_ = true;
    // A fresh segment has no running worker; a view started later learns their state here.
    for (std::uint32_t s = 0; s < slots_; ++s) {
        // Acquire pairs with the supervisor's release of state (bus_control.cpp publish()).
        if (bus_.segment().slot(s).state.load(std::memory_order_acquire) == bus::SlotState::Running)
            request_state(s);
    }
    if (wrote_) {
        wrote_ = false;
        bus_.wake_readers();
    }
    interval_ms_ = ceiling_ms_;
    arm(interval_ms_);
}

void HostView::stop() {
    if (stopped_) return;
    stopped_ = true;
    poll();                                           // the last worker_downs
    const std::vector<HostViewSink*> sinks = sinks_;  // a sink may detach itself
    for (HostViewSink* s : sinks)
        s->on_stop();
    if (!started_) return;
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

void HostView::attach(HostViewSink& sink, std::uint64_t max_latency_ms) {
    sinks_.push_back(&sink);
    ceiling_ms_ = std::clamp<std::uint64_t>(max_latency_ms, kMinPollMs, ceiling_ms_);
    if (started_ && !stopped_ && interval_ms_ > ceiling_ms_) {
        interval_ms_ = ceiling_ms_;
        arm(interval_ms_);
    }
}

void HostView::detach(HostViewSink& sink) {
    std::erase(sinks_, &sink);
}

void HostView::arm(std::uint64_t delay_ms) {
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<HostView*>(t->data)->on_timer(); }, delay_ms, 0);
}

void HostView::on_timer() {
    if (stopped_) return;
    poll();
    if (budget_hit_) return arm(0);  // more is waiting: the next loop iteration, after I/O
    // One period whether records flow or not: the lap-safe ceiling, or the tighter latency a sink
    // asked for. Polling faster while records flowed bought nothing without a sink and cost the
    // supervisor a timer wake-up a millisecond (3 % of the server's CPU in a 2-worker fan-out).
    interval_ms_ = ceiling_ms_;
    arm(interval_ms_);
}

std::size_t HostView::poll() {
    budget_hit_ = false;
    std::size_t total = 0;
    for (std::size_t i = 0; i < readers_.size(); ++i) {
        const std::size_t n = readers_[i].poll(inboxes_[i], kPollBudget);
        budget_hit_ = budget_hit_ || n == kPollBudget;
        total += n;
    }
    retry_stale_requests();
    if (wrote_) {
        wrote_ = false;
        bus_.wake_readers();
    }
    return total;
}

void HostView::on_record(std::uint32_t ring, std::int32_t type,
                         std::span<const std::byte> p) noexcept {
    if (ring == slots_) return on_control(type, p);
    on_worker(ring, type, p);
}

bool HostView::apply(HostState& s, std::uint32_t slot, std::int32_t type,
                     std::span<const std::byte> p, bool& bad) {
    switch (type) {
        case rec::kPresenceJoin: {
            rec::PresenceJoin j;
            bad = !rec::decode(p, j);
            return !bad &&
                   s.join({slot, j.epoch, j.conn, std::string(j.topic), std::string(j.user_id)},
                          j.user_info);
        }
        case rec::kPresenceLeave: {
            rec::PresenceLeave l;
            bad = !rec::decode(p, l);
            return !bad &&
                   s.leave({slot, l.epoch, l.conn, std::string(l.topic), std::string(l.user_id)});
        }
        case rec::kTopicCount: {
            rec::TopicCount c;
            bad = !rec::decode(p, c);
            return !bad && s.set_count(slot, c.topic, c.subscribers);
        }
        default:
            return false;
    }
}

void HostView::on_worker(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p) {
    const auto index = static_cast<std::size_t>(type - rec::kBroadcast);
    if (type >= rec::kBroadcast && index < ViewCounters::kTypes)
        ++counters_.worker_records[index];
    else
        ++counters_.other_records;
    bool changed = false;
    bool bad = false;
    switch (type) {
        case rec::kBroadcast:
        case rec::kTerminateUser:
            changed = true;  // events, opaque here: the view keeps no state of them
            break;
        case rec::kPresenceJoin:
        case rec::kPresenceLeave:
        case rec::kTopicCount:
            changed = apply(state_, slot, type, p, bad);
            if (!bad) apply(cluster_, slot, type, p, bad);
            break;
        case rec::kSnapshotDone: {
            rec::SnapshotDone d;
            bad = !rec::decode(p, d);
            publish(slot, type, p, false);
            if (!bad && d.requester_slot == kViewSlot) finish_resync(slot);
            if (bad) ++counters_.bad_records;
            return;
        }
        default:
            break;
    }
    if (bad) ++counters_.bad_records;
    publish(slot, type, p, changed);
}

void HostView::finish_resync(std::uint32_t slot) {
    requested_ms_[slot] = 0;
    cluster_.end_reconcile(
        slot, [](const MemberKey&) {}, [](std::uint32_t, std::string_view) {});
    std::vector<std::byte> buf;
    state_.end_reconcile(
        slot,
        [&](const MemberKey& k) {
            publish(k.slot, rec::kPresenceLeave,
                    rec::encode_into(buf, rec::PresenceLeave{k.conn, k.topic, k.user, k.epoch}),
                    true);
        },
        [&](std::uint32_t s, std::string_view topic) {
            publish(s, rec::kTopicCount, rec::encode_into(buf, rec::TopicCount{0, topic}), true);
        });
}

void HostView::publish(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p,
                       bool changed) {
    for (HostViewSink* s : sinks_)
        s->on_record(slot, type, p, changed);
}

void HostView::on_control(std::int32_t type, std::span<const std::byte> p) {
    ++counters_.control_records;
    // worker_up needs nothing: a new epoch starts empty and announces what it gains. Remote
    // records are other hosts' (cluster): the cluster's state, not this host's.
    if (type == rec::kRemote) return on_remote(p);
    if (type != bus::kWorkerDownType) return;
    bus::WorkerDown d{};
    if (!bus::decode_control(p, d)) return void(++counters_.bad_records);
    if (d.slot >= rec::kFirstRemoteSlot && d.slot < rec::kFirstRemoteSlot + rec::kMaxRemoteHosts)
        return cluster_.drop_slot(d.slot, d.epoch);  // another host died or left
    if (d.slot >= slots_) return;
    ++counters_.worker_downs;
    slot_down(d.slot, d.epoch);
}

void HostView::on_remote(std::span<const std::byte> p) {
    rec::Remote r;
    if (!rec::decode(p, r)) return void(++counters_.bad_records);
    if (r.slot == rec::kClusterSlot && r.type == rec::kSnapshotDone) {
        rec::SnapshotDone d;
        if (remote_resync_ && rec::decode(r.inner, d) && d.requester_slot == kViewSlot) {
            remote_resync_ = false;
            for (std::uint32_t s = 0; s < rec::kMaxRemoteHosts; ++s)
                cluster_.end_reconcile(
                    rec::kFirstRemoteSlot + s, [](const MemberKey&) {},
                    [](std::uint32_t, std::string_view) {});
        }
        return;
    }
    if (r.slot < rec::kFirstRemoteSlot || r.slot >= rec::kFirstRemoteSlot + rec::kMaxRemoteHosts)
        return;
    const bool mute = now_ms() < mute_remote_until_ms_;
    cluster_.set_muted(mute);
    bool bad = false;
    apply(cluster_, r.slot, r.type, r.inner, bad);
    cluster_.set_muted(false);
    if (bad) ++counters_.bad_records;
}

// Lapped on the control ring, the view may have missed other hosts' joins and leaves: a sink
// that renders them sends them all again and what it does not repeat goes.
void HostView::resync_remote() {
    bool asked = false;
    const std::vector<HostViewSink*> sinks = sinks_;
    for (HostViewSink* s : sinks)
        asked = s->resend_remote_state() || asked;
    if (!asked) return;
    remote_resync_ = true;
    for (std::uint32_t s = 0; s < rec::kMaxRemoteHosts; ++s)
        cluster_.begin_reconcile(rec::kFirstRemoteSlot + s);
}

void HostView::slot_down(std::uint32_t slot, std::uint64_t epoch) {
    requested_ms_[slot] = 0;  // its writer will not answer; the next epoch starts empty
    state_.drop_slot(slot, epoch);
    cluster_.drop_slot(slot, epoch);
    for (HostViewSink* s : sinks_)
        s->on_slot_down(slot, epoch);
}

void HostView::on_lost(std::uint32_t ring, std::uint64_t records) noexcept {
    counters_.lost_records[ring] += records;
    for (HostViewSink* s : sinks_)
        s->on_lost(ring, records);
    if (ring >= slots_) {
        // The control ring: a worker_down may be lost; the slot table says which epochs are over.
        SHOAL_WARN("host view: lapped on the control ring, lost %llu records", ull(records));
        for (std::uint32_t slot = 0; slot < slots_; ++slot) {
            const auto& rs = bus_.segment().slot(slot);
            // Acquire pairs with the supervisor's release of state after the epoch.
            const bus::SlotState st = rs.state.load(std::memory_order_acquire);
            const std::uint64_t epoch = rs.epoch.load(std::memory_order_relaxed);
            const bool live = st == bus::SlotState::Starting || st == bus::SlotState::Running ||
                              st == bus::SlotState::Stopping;
            if (epoch != 0) slot_down(slot, live ? epoch - 1 : epoch);
        }
        resync_remote();
        return;
    }
    SHOAL_WARN("host view: lapped on ring %u, lost %llu records; asking it for its state", ring,
               ull(records));
    request_state(ring);
}

void HostView::request_state(std::uint32_t slot) {
    state_.begin_reconcile(slot);
    cluster_.begin_reconcile(slot);
    requested_ms_[slot] = now_ms();
    ++counters_.resyncs_requested;
    std::vector<std::byte> inner;
    rec::encode_into(inner, rec::SnapshotRequest{kViewSlot, slot});
    if (!bus_.write_control(
            rec::kRemote,
            rec::encode_into(scratch_, rec::Remote{kViewSlot, rec::kSnapshotRequest, inner})))
        SHOAL_ERROR("host view: the control ring refused a snapshot request for slot %u", slot);
    wrote_ = true;
}

// A request can go unanswered: the worker was itself lapped on the control ring before reading
// it. Asked again after a while, a live worker answers; a dead one's worker_down ends the wait.
void HostView::retry_stale_requests() {
    std::uint64_t now = 0;
    for (std::uint32_t s = 0; s < slots_; ++s) {
        if (requested_ms_[s] == 0) continue;
        if (now == 0) now = now_ms();
        if (now - requested_ms_[s] < kResyncTimeoutMs) continue;
        SHOAL_WARN("host view: slot %u did not answer its state request; asking again", s);
        request_state(s);
    }
}

}  // namespace shoal::host_view
