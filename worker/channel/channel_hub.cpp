// SPDX-License-Identifier: MIT
// Local and remote paths of the channel core. The hot paths (publish, deliver_remote) look the
// topic up once and walk its subscribers once for all protocols, handing references out;
// nothing here is copied per subscriber, and a remote message costs one SharedFrame per
// protocol that has local subscribers.
#include "worker/channel/channel_hub.hpp"

#include <algorithm>

#include "common/assert.hpp"

namespace shoal::channel {
namespace {

std::string reconcile_key(std::uint32_t slot, const MemberKey& k, std::string_view topic,
                          std::string_view user) {
    std::string key =
        std::to_string(slot) + '|' + std::to_string(k.epoch) + '|' + std::to_string(k.conn) + '|';
    key.append(topic).push_back('|');
    key.append(user);
    return key;
}

// A connection a sweep removed, reported through on_presence_conn once the sweep is done.
struct DroppedConn {
    std::string topic;
    std::string user;
    std::string info;
    MemberKey key;
};

void note_dropped(const PresenceReplica& presence, std::vector<DroppedConn>& out,
                  std::string_view topic, std::string_view user_id, const MemberKey& key) {
    const PresenceUser* u = presence.find(topic, user_id);  // read-only during the sweep
    out.push_back(
        {std::string(topic), std::string(user_id), u ? u->info_json : std::string("{}"), key});
}

Event with_origin(Event e, ProtocolTag origin) noexcept {
    e.origin = origin;
    return e;
}

bool has_key(const PresenceUser* u, const MemberKey& key) noexcept {
    return u &&
           std::find(u->connections.begin(), u->connections.end(), key) != u->connections.end();
}

}  // namespace

void ChannelHub::presence_conn(std::string_view topic, std::string_view user_id,
                               std::string_view info_json, const MemberKey& key, bool joined) {
    for (auto* a : adapters_)
        if (a) a->on_presence_conn(topic, user_id, info_json, key, joined);
}

PresenceChange ChannelHub::replica_join(std::string_view topic, std::string_view user_id,
                                        std::string_view info_json, const MemberKey& key) {
    const bool had = has_key(presence_.find(topic, user_id), key);
    auto change = presence_.join(topic, user_id, info_json, key);
    if (!had) {
        const PresenceUser* u = presence_.find(topic, user_id);
        presence_conn(topic, user_id, u ? std::string_view(u->info_json) : info_json, key, true);
    }
    return change;
}

PresenceChange ChannelHub::replica_leave(std::string_view topic, std::string_view user_id,
                                         const MemberKey& key) {
    const PresenceUser* u = presence_.find(topic, user_id);
    if (!has_key(u, key)) return presence_.leave(topic, user_id, key);
    std::string info = u->info_json;  // the leave may erase the user
    auto change = presence_.leave(topic, user_id, key);
    presence_conn(topic, user_id, info, key, false);
    return change;
}

ChannelHub::ChannelHub(net::Transport& transport, std::uint32_t slot, std::uint64_t epoch)
    : transport_(transport), slot_(slot), epoch_(epoch) {}

void ChannelHub::add_adapter(ProtocolTag tag, ProtocolAdapter& adapter) {
    SHOAL_ASSERT(tag < kMaxProtocols && adapters_[tag] == nullptr);
    adapters_[tag] = &adapter;
}

bool ChannelHub::subscribe(std::string_view topic, ConnId conn, ProtocolTag tag) {
    if (!topics_.subscribe(topic, conn, tag)) return false;
    announce_count(topic);
    return true;
}

bool ChannelHub::unsubscribe(std::string_view topic, ConnId conn) {
    if (!pending_.empty()) drop_pending(topic, conn);
    if (!topics_.unsubscribe(topic, conn)) return false;
    announce_count(topic);
    return true;
}

void ChannelHub::announce_count(std::string_view topic) {
    if (bus_) bus_->topic_count(topic, static_cast<std::uint32_t>(topics_.subscriber_count(topic)));
}

PresenceChange ChannelHub::join(std::string_view topic, std::string_view user_id,
                                std::string_view info_json, ConnId conn) {
    const MemberKey key{slot_, epoch_, conn};
    auto change = replica_join(topic, user_id, info_json, key);
    if (bus_) bus_->presence_join(conn, topic, user_id, info_json);
    if (change == PresenceChange::UserAdded) member_added(topic, user_id, conn);
    return change;
}

PresenceChange ChannelHub::leave(std::string_view topic, std::string_view user_id, ConnId conn) {
    const MemberKey key{slot_, epoch_, conn};
    auto change = replica_leave(topic, user_id, key);
    if (bus_) bus_->presence_leave(conn, topic, user_id);
    if (change == PresenceChange::UserRemoved) member_removed(topic, user_id);
    return change;
}

void ChannelHub::member_added(std::string_view topic, std::string_view user_id, ConnId except) {
    const PresenceUser* u = presence_.find(topic, user_id);
    if (!u) return;
    for (auto* a : adapters_)
        if (a) a->on_member_added(topic, user_id, u->info_json, except);
}

void ChannelHub::member_removed(std::string_view topic, std::string_view user_id) {
    for (auto* a : adapters_)
        if (a) a->on_member_removed(topic, user_id);
}

std::size_t ChannelHub::publish(std::string_view topic, const Frames& frames, ConnId except,
                                std::string_view exclusion) {
    auto sink = [this](ConnId to, const net::FrameRef& f) { transport_.send(to, f); };
    const std::size_t sent = topics_.publish_tagged(
        topic, except,
        [&](ProtocolTag tag) { return tag < kMaxProtocols ? &frames[tag] : nullptr; }, sink);
    if (cache_ && frames[cache_->tag()] && cache_->wants(topic))
        cache_->store(topic, frames[cache_->tag()], transport_.now_ms());
    if (bus_) bus_->broadcast(topic, frames, exclusion);
    counters_->add(common::Counter::LocalDeliveries, sent);  // once per message, not per subscriber
    return sent;
}

std::size_t ChannelHub::publish_client(const Event& event, ProtocolTag origin, net::FrameRef own,
                                       ConnId except) {
    SHOAL_ASSERT(origin < kMaxProtocols && event.from_client);
    if (event.history && try_sequence(with_origin(event, origin), except, {})) {
        counters_->add(common::Counter::ClientMessagesPublished);
        return 0;
    }
    Frames frames;
    for (std::size_t tag = 0; tag < kMaxProtocols; ++tag)
        if (tag != origin && adapters_[tag]) frames[tag] = adapters_[tag]->encode_event(event);
    frames[origin] = std::move(own);
    counters_->add(common::Counter::ClientMessagesPublished);
    return publish(event.topic, frames, except, {});
}

std::size_t ChannelHub::deliver_local(std::string_view topic, ProtocolTag tag,
                                      const net::FrameRef& frame, ConnId except) {
    const std::size_t sent =
        topics_.publish(topic, tag, frame, except,
                        [this](ConnId to, const net::FrameRef& f) { transport_.send(to, f); });
    counters_->add(common::Counter::LocalDeliveries, sent);
    return sent;
}

std::size_t ChannelHub::publish_event(const Event& event, std::string_view exclusion) {
    if (event.history && try_sequence(event, kNoConn, exclusion)) {
        counters_->add(common::Counter::ApiEventsPublished);
        return 0;
    }
    Frames frames;
    ConnId except = kNoConn;
    for (std::size_t tag = 0; tag < kMaxProtocols; ++tag) {
        if (!adapters_[tag]) continue;
        frames[tag] = adapters_[tag]->encode_event(event);
        if (except == kNoConn && !exclusion.empty())
            except = adapters_[tag]->resolve_exclusion(exclusion);
    }
    counters_->add(common::Counter::ApiEventsPublished);
    return publish(event.topic, frames, except, exclusion);
}

std::size_t ChannelHub::terminate_user(std::string_view user_id) {
    if (bus_) bus_->terminate_user(user_id);
    std::size_t n = 0;
    for (auto* a : adapters_)
        if (a) n += a->terminate_local_user(user_id);
    return n;
}

void ChannelHub::remote_terminate(std::string_view user_id) {
    for (auto* a : adapters_)
        if (a) a->terminate_local_user(user_id);
}

std::size_t ChannelHub::subscription_count(std::string_view topic) const noexcept {
    return topics_.subscriber_count(topic) + remote_counts_.total(topic);
}

std::size_t ChannelHub::deliver_remote(std::string_view topic, std::span<const TaggedWire> frames,
                                       std::string_view exclusion) {
    // One copy per protocol per worker, made on the first local subscriber of that protocol
    // (the ring slot may be overwritten after this call), unless the caller's frame already
    // holds the bytes (the bus reader copies a record straight into one). A cache topic's frame is
    // kept even with no local subscriber (the next one gets it); that copy is the one delivery
    // uses.
    Frames local;
    std::array<std::string_view, kMaxProtocols> wire{};
    std::array<const net::FrameRef*, kMaxProtocols> built{};
    for (const TaggedWire& f : frames) {
        if (f.protocol >= kMaxProtocols) continue;
        wire[f.protocol] = f.wire;
        built[f.protocol] = f.frame;
    }
    auto own_frame = [&](ProtocolTag tag) {
        return built[tag] && *built[tag] ? *built[tag] : net::SharedFrame::from_wire(wire[tag]);
    };
    if (cache_ && !wire[cache_->tag()].empty() && cache_->wants(topic)) {
        local[cache_->tag()] = own_frame(cache_->tag());
        cache_->store(topic, local[cache_->tag()], transport_.now_ms());
    }
    if (topics_.subscriber_count(topic) == 0) return 0;
    ConnId except = kNoConn;
    if (!exclusion.empty())
        for (auto* a : adapters_)
            if (a && except == kNoConn) except = a->resolve_exclusion(exclusion);
    auto frame_for = [&](ProtocolTag tag) -> const net::FrameRef* {
        if (tag >= kMaxProtocols || wire[tag].empty()) return nullptr;
        if (!local[tag]) local[tag] = own_frame(tag);
        return &local[tag];
    };
    const std::size_t sent = topics_.publish_tagged(
        topic, except, frame_for,
        [this](ConnId to, const net::FrameRef& f) { transport_.send(to, f); });
    counters_->add(common::Counter::LocalDeliveries, sent);
    return sent;
}

void ChannelHub::remote_cached(std::string_view topic, ProtocolTag protocol, std::string_view wire,
                               std::uint64_t age_ms) {
    if (!cache_ || protocol != cache_->tag() || wire.empty() || !cache_->wants(topic) ||
        age_ms > cache_->ttl_ms())
        return;
    const std::uint64_t now = transport_.now_ms();
    cache_->store(topic, net::SharedFrame::from_wire(wire), now > age_ms ? now - age_ms : 0);
}

bool ChannelHub::stale(std::uint32_t slot, std::uint64_t epoch) const noexcept {
    return slot < down_epoch_.size() && epoch <= down_epoch_[slot];
}

void ChannelHub::remote_join(std::uint32_t slot, std::uint64_t epoch, ConnId conn,
                             std::string_view topic, std::string_view user_id,
                             std::string_view info_json) {
    if (slot == slot_ || stale(slot, epoch)) return;
    const MemberKey key{slot, epoch, conn};
    if (std::find(reconciling_.begin(), reconciling_.end(), slot) != reconciling_.end())
        reconcile_seen_.insert(reconcile_key(slot, key, topic, user_id));
    if (replica_join(topic, user_id, info_json, key) == PresenceChange::UserAdded)
        member_added(topic, user_id, kNoConn);
}

void ChannelHub::remote_leave(std::uint32_t slot, std::uint64_t epoch, ConnId conn,
                              std::string_view topic, std::string_view user_id) {
    if (slot == slot_) return;
    const MemberKey key{slot, epoch, conn};
    if (replica_leave(topic, user_id, key) == PresenceChange::UserRemoved)
        member_removed(topic, user_id);
}

void ChannelHub::remote_topic_count(std::uint32_t slot, std::string_view topic,
                                    std::uint32_t count) {
    if (slot == slot_) return;
    remote_counts_.set(slot, topic, count);
}

void ChannelHub::drop_slot(std::uint32_t slot, std::uint64_t epoch) {
    if (slot == slot_) return;
    if (slot >= down_epoch_.size()) down_epoch_.resize(slot + 1, 0);
    down_epoch_[slot] = std::max(down_epoch_[slot], epoch);
    remote_counts_.drop_slot(slot);
    // Collect first: adapters render frames from the replica, which must not change under them.
    std::vector<std::pair<std::string, std::string>> gone;
    std::vector<DroppedConn> dropped;
    presence_.sweep_slot(
        slot,
        [&](std::string_view t, std::string_view u, const MemberKey& k) {
            if (k.epoch > epoch) return true;
            note_dropped(presence_, dropped, t, u, k);
            return false;
        },
        [&](std::string_view t, std::string_view u) { gone.emplace_back(t, u); });
    for (const auto& d : dropped)
        presence_conn(d.topic, d.user, d.info, d.key, false);
    for (const auto& [t, u] : gone)
        member_removed(t, u);
}

void ChannelHub::begin_reconcile(std::uint32_t slot) {
    if (slot == slot_) return;
    if (std::find(reconciling_.begin(), reconciling_.end(), slot) == reconciling_.end())
        reconciling_.push_back(slot);
    remote_counts_.begin_reconcile(slot);
}

void ChannelHub::end_reconcile(std::uint32_t slot) {
    auto it = std::find(reconciling_.begin(), reconciling_.end(), slot);
    if (it == reconciling_.end()) return;
    reconciling_.erase(it);
    remote_counts_.end_reconcile(slot);
    std::vector<std::pair<std::string, std::string>> gone;
    std::vector<DroppedConn> dropped;
    presence_.sweep_slot(
        slot,
        [&](std::string_view t, std::string_view u, const MemberKey& k) {
            if (reconcile_seen_.contains(reconcile_key(slot, k, t, u))) return true;
            note_dropped(presence_, dropped, t, u, k);
            return false;
        },
        [&](std::string_view t, std::string_view u) { gone.emplace_back(t, u); });
    for (const auto& d : dropped)
        presence_conn(d.topic, d.user, d.info, d.key, false);
    std::erase_if(reconcile_seen_,
                  [&](const std::string& k) { return k.starts_with(std::to_string(slot) + '|'); });
    for (const auto& [t, u] : gone)
        member_removed(t, u);
}

}  // namespace shoal::channel
