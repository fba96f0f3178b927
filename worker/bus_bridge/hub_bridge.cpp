// SPDX-License-Identifier: MIT
// Records in and out. A failed decode costs that record, never the process; a lap on ring k
// costs k's lost broadcasts (counted) and one snapshot of k's presence and counts.
#include "worker/bus_bridge/hub_bridge.hpp"

#include <algorithm>
#include <array>

#include "common/log.hpp"
#include "shm_bus/control_records.hpp"

namespace shoal::worker {

namespace rec = bus::records;
static_assert(channel::kMaxProtocols == rec::kMaxFrames, "a bus record carries every protocol");
// Unpublished records are kept under 1/8 of the ring (see write).
constexpr std::uint64_t kPublishBatchShare = 8;
// Distinct topics whose counts may wait for the iteration's publish; past it they go out at once,
// so a search of the pending list stays short.
constexpr std::size_t kMaxPendingCounts = 256;  // a held burst over that many topics
using common::Counter;

HubBridge::HubBridge(bus::Segment& segment, channel::ChannelHub& hub, std::uint32_t slot,
                     std::uint64_t epoch)
    : segment_(segment),
      hub_(hub),
      slot_(slot),
      epoch_(epoch),
      writer_(segment, slot, epoch),
      counters_(segment.slot(slot).counters),
      publish_batch_bytes_(segment.config().ring_bytes / kPublishBatchShare) {
    const std::uint32_t rings = segment.config().ring_count();
    readers_.reserve(rings);
    inboxes_.reserve(rings);
    for (std::uint32_t r = 0; r < rings; ++r) {
        if (r == slot) continue;
        readers_.emplace_back(segment, r);
        inboxes_.push_back({this, r});
    }
}

template <class Record>
bool HubBridge::write(std::int32_t type, const Record& r) noexcept {
    if (type != rec::kTopicCount && pending_used_ > 0) flush_counts();
    const std::size_t n = rec::size(r);
    auto claim = writer_.claim(type, n);
    if (!claim) {
        counters_.add(Counter::BusRecordsRefused);
        return false;
    }
    rec::encode(r, claim.value().first(n));
    // Visible with the iteration's publish_written(): one release store of tail (and one
    // cache-line transfer to each reader) per batch, not per record. A batch that grows past a
    // share of the ring (a large snapshot answer) is published on the way, so readers that are
    // awake can drain it while it is written instead of finding themselves lapped at the end.
    writer_.commit(n, bus::Publish::Later);
    if (writer_.unpublished_bytes() >= publish_batch_bytes_) writer_.publish();
    counters_.add(Counter::BusRecordsOut);
    written_ = true;
    return true;
}

BridgeStats HubBridge::stats() const noexcept {
    BridgeStats s;
    s.records_out = counters_.get(Counter::BusRecordsOut);
    s.records_in = counters_.get(Counter::BusRecordsIn);
    s.refused_out = counters_.get(Counter::BusRecordsRefused);
    s.bad_in = counters_.get(Counter::BusRecordsBad);
    s.lost_in = counters_.get(Counter::BusRecordsLost);
    for (const bus::RingReader& r : readers_)
        s.scratch_bytes += r.scratch_bytes_copied();
    return s;
}

void HubBridge::broadcast(std::string_view topic, const channel::Frames& frames,
                          std::string_view exclusion) noexcept {
    rec::Broadcast b{topic, exclusion};
    for (std::size_t tag = 0; tag < frames.size(); ++tag)
        if (frames[tag]) b.add(static_cast<std::uint8_t>(tag), frames[tag]->wire());
    write(rec::kBroadcast, b);
}

void HubBridge::presence_join(channel::ConnId conn, std::string_view topic,
                              std::string_view user_id, std::string_view info_json) noexcept {
    write(rec::kPresenceJoin, rec::PresenceJoin{conn, topic, user_id, info_json, epoch_});
}

void HubBridge::presence_leave(channel::ConnId conn, std::string_view topic,
                               std::string_view user_id) noexcept {
    write(rec::kPresenceLeave, rec::PresenceLeave{conn, topic, user_id, epoch_});
}

void HubBridge::topic_count(std::string_view topic, std::uint32_t subscribers) noexcept {
    for (std::size_t i = 0; i < pending_used_; ++i) {
        if (pending_counts_[i].topic == topic) {
            pending_counts_[i].subscribers = subscribers;  // only the latest count matters
            if (subscribers <= 1) counts_urgent_ = true;
            return;
        }
    }
    if (pending_used_ == kMaxPendingCounts) flush_counts();
    // Allocates only while the list grows or a longer topic first comes (control path).
    if (pending_used_ == pending_counts_.size()) pending_counts_.emplace_back();
    pending_counts_[pending_used_].topic.assign(topic);
    pending_counts_[pending_used_].subscribers = subscribers;
    ++pending_used_;
    if (subscribers <= 1) counts_urgent_ = true;
}

void HubBridge::hold_or_flush_counts(std::uint64_t now_ms) noexcept {
    if (now_ms != kFlushAllCounts && count_hold_ms_ > 0) {
        if (now_ms - count_window_start_ms_ >= count_hold_ms_) {
            count_window_start_ms_ = now_ms;
            count_window_records_ = 0;
        } else if (!counts_urgent_ && count_window_records_ + pending_used_ > count_burst_) {
            return;  // a burst: this window's remaining counts wait for its end (or the tick)
        }
    }
    count_window_records_ += pending_used_;
    flush_counts();
}

void HubBridge::flush_counts() noexcept {
    const std::size_t n = pending_used_;
    pending_used_ = 0;  // write() must not flush again
    counts_urgent_ = false;
    for (std::size_t i = 0; i < n; ++i)
        write(rec::kTopicCount,
              rec::TopicCount{pending_counts_[i].subscribers, pending_counts_[i].topic});
}

void HubBridge::terminate_user(std::string_view user_id) noexcept {
    write(rec::kTerminateUser, rec::TerminateUser{user_id});
}

bool HubBridge::directed(std::uint32_t target_slot, channel::ProtocolTag protocol,
                         std::string_view bytes) noexcept {
    return write(rec::kDirected, rec::Directed{target_slot, protocol, bytes});
}

void HubBridge::hook_fact(const channel::HookFact& f) noexcept {
    static_assert(
        static_cast<std::uint8_t>(channel::HookFactKind::ClientEvent) == rec::kFactClientEvent &&
        static_cast<std::uint8_t>(channel::HookFactKind::CacheMiss) == rec::kFactCacheMiss);
    write(rec::kHookFact, rec::HookFact{static_cast<std::uint8_t>(f.kind), f.topic, f.event, f.data,
                                        f.socket_id, f.user_id});
}

bool HubBridge::sequence(const channel::Event& e, channel::ConnId publisher,
                         std::string_view exclusion) noexcept {
    return write(rec::kHistoryPublish,
                 rec::HistoryPublish{publisher, e.origin, static_cast<std::uint8_t>(e.from_client),
                                     e.topic, e.name, e.data, e.user_id, exclusion});
}

void HubBridge::on_sequenced(std::span<const std::byte> payload) noexcept {
    rec::Sequenced r;
    if (!rec::decode(payload, r)) return void(counters_.add(Counter::BusRecordsBad));
    channel::SequencedEvent s;
    s.event = channel::Event{r.event.topic, r.event.name, r.event.data, r.event.user_id,
                             r.event.from_client != 0};
    s.event.offset = r.offset;
    s.epoch = r.epoch;
    s.event.origin = r.event.origin;
    s.from_slot = r.slot;
    s.publisher = r.event.publisher;
    s.exclusion = r.event.exclusion;
    hub_.deliver_sequenced(s);
}

void HubBridge::request_snapshots() {
    awaiting_.clear();
    for (std::uint32_t s = 0; s < segment_.config().slots; ++s) {
        if (s == slot_) continue;
        // Acquire pairs with the supervisor's release of state (bus_control.cpp publish()).
        if (segment_.slot(s).state.load(std::memory_order_acquire) == bus::SlotState::Running)
            awaiting_.push_back(s);
    }
    if (cluster_) awaiting_.push_back(rec::kClusterSlot);
    write(rec::kSnapshotRequest, rec::SnapshotRequest{slot_, rec::kAllSlots});
}

bool HubBridge::cache_answerer(std::uint32_t requester) const noexcept {
    for (std::uint32_t s = 0; s < segment_.config().slots; ++s) {
        if (s == requester) continue;
        if (s == slot_) return true;
        // Acquire pairs with the supervisor's release of state (bus_control.cpp publish()).
        if (segment_.slot(s).state.load(std::memory_order_acquire) == bus::SlotState::Running)
            return false;  // a lower live slot answers with the same entries
    }
    return false;
}

void HubBridge::answer_snapshot(std::uint32_t requester, bool with_cache) noexcept {
    hub_.for_each_local_state(
        [&](channel::ConnId conn, std::string_view topic, std::string_view user,
            std::string_view info) { presence_join(conn, topic, user, info); },
        [&](std::string_view topic, std::uint32_t n) { topic_count(topic, n); });
    if (with_cache)
        hub_.for_each_cached([&](std::string_view topic, channel::ProtocolTag protocol,
                                 std::string_view wire, std::uint64_t age) {
            write(rec::kCachedEvent, rec::CachedEvent{age, protocol, topic, wire});
        });
    write(rec::kSnapshotDone, rec::SnapshotDone{requester});
}

bool HubBridge::has_data() const noexcept {
    return std::any_of(readers_.begin(), readers_.end(),
                       [](const bus::RingReader& r) { return r.has_data(); });
}

std::size_t HubBridge::poll(std::size_t budget) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < readers_.size(); ++i) {
        n += readers_[i].poll(inboxes_[i], budget);
        // What a discarded batch placed and nobody took.
        while (placed_count_ > 0) {
            placed_[placed_head_].reset();
            placed_head_ = (placed_head_ + 1) % kMaxPlaced;
            --placed_count_;
        }
        // Relaxed: an observation for `shoal status` (written by: slot owner).
        segment_.slot(slot_).read_position[readers_[i].ring()].store(readers_[i].position(),
                                                                     std::memory_order_relaxed);
    }
    return n;
}

void HubBridge::on_lost(std::uint32_t ring, std::uint64_t records) noexcept {
    counters_.add(Counter::BusRecordsLost, records);
    counters_.add(Counter::BusLaps);
    if (ring >= segment_.config().slots) {
        // The control ring: a lost worker_down is recovered from the slot table; then every
        // slot (and the cluster bridge, for the other hosts) re-announces its state.
        SHOAL_WARN("bus: lapped on the control ring, lost %llu records; asking for snapshots",
                   static_cast<unsigned long long>(records));
        drop_dead_epochs();
        if (cluster_) reconcile_remote_hosts(true);
        write(rec::kSnapshotRequest, rec::SnapshotRequest{slot_, rec::kAllSlots});
        return;
    }
    SHOAL_WARN("bus: lapped on ring %u, lost %llu records; asking it for a snapshot", ring,
               static_cast<unsigned long long>(records));
    hub_.begin_reconcile(ring);
    write(rec::kSnapshotRequest, rec::SnapshotRequest{slot_, ring});
}

void HubBridge::drop_dead_epochs() noexcept {
    for (std::uint32_t s = 0; s < segment_.config().slots; ++s) {
        if (s == slot_) continue;
        // Acquire pairs with the supervisor's release of state after the epoch (bus_control.cpp).
        const bus::SlotState st = segment_.slot(s).state.load(std::memory_order_acquire);
        const std::uint64_t epoch = segment_.slot(s).epoch.load(std::memory_order_relaxed);
        const bool live = st == bus::SlotState::Starting || st == bus::SlotState::Running ||
                          st == bus::SlotState::Stopping;
        if (epoch == 0) continue;
        hub_.drop_slot(s, live ? epoch - 1 : epoch);
    }
}

std::byte* HubBridge::place_record(std::uint32_t ring, std::int32_t type,
                                   std::uint32_t length) noexcept {
    // Only broadcasts of worker rings (the control ring's Remote records keep the scratch).
    if (type != rec::kBroadcast || ring >= segment_.config().slots || placed_count_ == kMaxPlaced)
        return nullptr;
    std::byte* bytes = nullptr;
    placed_[(placed_head_ + placed_count_) % kMaxPlaced] =
        net::SharedFrame::make_block(length, bytes);
    ++placed_count_;
    return bytes;
}

net::FrameRef HubBridge::take_placed(std::span<const std::byte> payload) noexcept {
    while (placed_count_ > 0) {
        net::FrameRef block = std::move(placed_[placed_head_]);
        placed_head_ = (placed_head_ + 1) % kMaxPlaced;
        --placed_count_;
        if (reinterpret_cast<const std::byte*>(block->wire().data()) == payload.data())
            return block;
    }
    return {};
}

void HubBridge::on_broadcast(std::span<const std::byte> payload) noexcept {
    net::FrameRef block = take_placed(payload);
    rec::Broadcast b;
    if (!rec::decode(payload, b)) return void(counters_.add(Counter::BusRecordsBad));
    std::array<net::FrameRef, rec::kMaxFrames> own;
    std::array<channel::TaggedWire, rec::kMaxFrames> frames;
    for (std::uint8_t i = 0; i < b.frame_count; ++i) {
        frames[i] = {b.frames[i].protocol, b.frames[i].wire};
        // The block becomes the first frame; a second protocol's frame, when there is one, is
        // copied out of it by the hub if a subscriber of that protocol is here.
        if (i == 0 && block) {
            own[0] = net::SharedFrame::narrow(std::move(block), b.frames[0].wire);
            frames[0].frame = &own[0];
        }
    }
    hub_.deliver_remote(b.topic, {frames.data(), b.frame_count}, b.exclude_socket_id);
}

void HubBridge::on_record(std::uint32_t ring, std::int32_t type,
                          std::span<const std::byte> payload) noexcept {
    counters_.add(Counter::BusRecordsIn);
    if (ring >= segment_.config().slots) return on_control(type, payload);
    on_worker_record(ring, type, payload);
}

void HubBridge::on_control(std::int32_t type, std::span<const std::byte> payload) noexcept {
    if (type == bus::kWorkerDownType) {
        bus::WorkerDown d{};
        if (!bus::decode_control(payload, d)) return void(counters_.add(Counter::BusRecordsBad));
        SHOAL_INFO("bus: worker_down slot=%u epoch=%llu: dropping its members", d.slot,
                   static_cast<unsigned long long>(d.epoch));
        hub_.drop_slot(d.slot, d.epoch);
        std::erase(awaiting_, d.slot);
    }
    if (type == rec::kRemote) on_remote(payload);
    if (type == rec::kSequenced) on_sequenced(payload);
    if (type == bus::AppsChanged::kType) {
        bus::AppsChanged a{};
        if (!bus::decode_control(payload, a)) return void(counters_.add(Counter::BusRecordsBad));
        if (apps_changed_) apps_changed_(apps_changed_ctx_);
    }
    // worker_up needs nothing here: the new epoch asks for snapshots itself.
}

void HubBridge::on_remote(std::span<const std::byte> payload) noexcept {
    // Only the bridge's own pseudo-slots are accepted: a real slot's state is never overwritten.
    rec::Remote r;
    if (!rec::decode(payload, r) || r.type == rec::kRemote)
        return void(counters_.add(Counter::BusRecordsBad));
    const bool host =
        r.slot >= rec::kFirstRemoteSlot && r.slot < rec::kFirstRemoteSlot + rec::kMaxRemoteHosts;
    if (!host && r.slot != rec::kClusterSlot) return void(counters_.add(Counter::BusRecordsBad));
    if (r.type == rec::kSnapshotDone && r.slot == rec::kClusterSlot && reconciling_remote_) {
        rec::SnapshotDone d;
        if (rec::decode(r.inner, d) && d.requester_slot == slot_) reconcile_remote_hosts(false);
    }
    on_worker_record(r.slot, r.type, r.inner);
}

void HubBridge::reconcile_remote_hosts(bool begin) noexcept {
    reconciling_remote_ = begin;
    for (std::uint32_t s = rec::kFirstRemoteSlot; s < rec::kFirstRemoteSlot + rec::kMaxRemoteHosts;
         ++s) {
        if (begin)
            hub_.begin_reconcile(s);
        else
            hub_.end_reconcile(s);
    }
}

void HubBridge::on_worker_record(std::uint32_t slot, std::int32_t type,
                                 std::span<const std::byte> payload) noexcept {
    switch (type) {
        case rec::kBroadcast:
            return on_broadcast(payload);
        case rec::kPresenceJoin: {
            rec::PresenceJoin j;
            if (!rec::decode(payload, j)) break;
            hub_.remote_join(slot, j.epoch, j.conn, j.topic, j.user_id, j.user_info);
            return;
        }
        case rec::kPresenceLeave: {
            rec::PresenceLeave l;
            if (!rec::decode(payload, l)) break;
            hub_.remote_leave(slot, l.epoch, l.conn, l.topic, l.user_id);
            return;
        }
        case rec::kTopicCount: {
            rec::TopicCount c;
            if (!rec::decode(payload, c)) break;
            hub_.remote_topic_count(slot, c.topic, c.subscribers);
            return;
        }
        case rec::kTerminateUser: {
            rec::TerminateUser t;
            if (!rec::decode(payload, t)) break;
            hub_.remote_terminate(t.user_id);
            return;
        }
        case rec::kSnapshotRequest: {
            rec::SnapshotRequest q;
            if (!rec::decode(payload, q)) break;
            if (q.requester_slot != slot_ &&
                (q.target_slot == slot_ || q.target_slot == rec::kAllSlots))
                answer_snapshot(q.requester_slot,
                                q.target_slot == slot_ || cache_answerer(q.requester_slot));
            return;
        }
        case rec::kCachedEvent: {
            rec::CachedEvent e;
            if (!rec::decode(payload, e)) break;
            hub_.remote_cached(e.topic, e.protocol, e.frame, e.age_ms);
            return;
        }
        case rec::kDirected: {
            rec::Directed d;
            if (!rec::decode(payload, d)) break;
            if (d.target_slot == slot_) hub_.deliver_directed(slot, d.protocol, d.bytes);
            return;
        }
        case rec::kHookFact:
        case rec::kHistoryPublish:
            return;  // the supervisor's
        case rec::kSnapshotDone: {
            rec::SnapshotDone d;
            if (!rec::decode(payload, d)) break;
            if (d.requester_slot != slot_) return;
            hub_.end_reconcile(slot);
            std::erase(awaiting_, slot);
            return;
        }
        default:
            break;
    }
    counters_.add(Counter::BusRecordsBad);
}

}  // namespace shoal::worker
