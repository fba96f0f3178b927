// SPDX-License-Identifier: MIT
// Channel history in the channel core: publishes on history channels go to the supervisor to be
// sequenced, sequenced events come back for delivery, and subscriptions start at an exact
// position. The rule that makes recovery exactly once (docs/history.md, "the seam"): per topic
// this worker keeps L, the last offset its live delivery reached. A subscription is served the
// missed events up to L from the store and joins live delivery, which carries everything after
// L in order, in the same loop turn. A live record at or below L was already served and is
// dropped (one comparison per event, not per subscriber). L belongs to one stream (an epoch): in
// a cluster a topic's stream can change (Redis forgot it, or this host numbered locally while
// cut off), and a record of another epoch starts L again at itself.
#include <algorithm>

#include "common/clock.hpp"
#include "worker/channel/channel_hub.hpp"

namespace shoal::channel {

void ChannelHub::attach_history(const HistorySource* source) noexcept {
    history_ = source;
}

bool ChannelHub::try_sequence(const Event& event, ConnId publisher, std::string_view exclusion) {
    if (!history_ || !bus_) return false;
    return bus_->sequence(event, publisher, exclusion);
}

std::uint64_t ChannelHub::min_time_ms(const HistoryWindow& window) const noexcept {
    const std::uint64_t now_ms = common::realtime_ns() / 1'000'000u;
    const std::uint64_t span = std::uint64_t{window.seconds} * 1000u;
    return now_ms > span ? now_ms - span : 0;
}

ChannelHub::StreamState ChannelHub::store_head(std::string_view topic) {
    if (!history_) return {};
    // A position past every offset returns at once with the newest offset (one record copied).
    history_->read_since(topic, ~std::uint64_t{0}, 1, 0, probe_);
    return {probe_.latest, probe_.epoch};
}

ChannelHub::StreamState& ChannelHub::stream_position(std::string_view topic) {
    auto it = stream_positions_.find(topic);
    if (it != stream_positions_.end()) return it->second;
    // First touch on this worker: the stream starts at the store's head. Records of offsets at
    // or below it that are still on their way here were appended before this moment; a new
    // subscriber did not miss them (recovery serves them) and there is no earlier subscriber.
    return stream_positions_.emplace(std::string(topic), store_head(topic)).first->second;
}

StreamStart ChannelHub::start_history(std::string_view topic, ConnId conn, ProtocolTag tag,
                                      const RecoverFrom& from, const HistoryWindow& window) {
    staged_.events.clear();
    if (!history_) {
        subscribe(topic, conn, tag);
        return {0, !from.asked, epoch_text(0)};
    }
    const StreamState live = stream_position(topic);
    StreamStart start{live.offset, true, epoch_text(live.epoch)};
    if (!from.asked) {
        subscribe(topic, conn, tag);
        return start;
    }
    // Offset 0 (the client saw nothing) names no stream: all of this one is new to it. A
    // position of another epoch says nothing about this stream: serve what it holds.
    const bool same_stream = from.offset == 0 || from.epoch == live.epoch;
    std::uint64_t since = same_stream ? from.offset : 0;
    if (since > live.offset) {
        // The client saw more than this worker has delivered (it was on a worker further
        // ahead). Live delivery will reach its position soon: it joins then, so nothing it
        // already has comes twice.
        const StreamState head = store_head(topic);
        if (head.epoch == live.epoch && since <= head.offset) {
            pending_.push_back({std::string(topic), conn, tag, since, window});
            start.position = since;
            return start;
        }
        since = 0;  // ahead of the store too: not a position of this stream
    }
    history_->read_since(topic, since, window.events, min_time_ms(window), staged_);
    // The store may already hold a newer stream than live delivery here has reached (its first
    // record is on its way): nothing of it is served now, live delivery brings it.
    const bool this_stream = staged_.epoch == live.epoch;
    if (!this_stream) staged_.events.clear();
    const bool complete = staged_.complete && this_stream;
    std::erase_if(staged_.events, [&](const StoredEvent& e) { return e.offset > live.offset; });
    subscribe(topic, conn, tag);
    const bool nothing_missed = since == live.offset;
    start.recovered = same_stream && from.offset == since && (complete || nothing_missed);
    return start;
}

std::size_t ChannelHub::send_recovered(std::string_view topic, ConnId conn, ProtocolTag tag) {
    if (tag >= kMaxProtocols || !adapters_[tag]) return 0;
    std::size_t sent = 0;
    const EpochText epoch = epoch_text(staged_.epoch);
    for (const StoredEvent& e : staged_.events) {
        // A client event comes back as its publisher's protocol rendered it live: with its
        // signed-in user id, and only where that protocol lets another protocol's clients see it.
        Event event{topic, e.name, e.data, e.user_id, e.origin != kNoProtocol};
        event.offset = e.offset;
        event.epoch = epoch.view();
        event.origin = e.origin;
        if (net::FrameRef f = adapters_[tag]->encode_event(event)) {
            transport_.send(conn, f);
            ++sent;
        }
    }
    staged_.events.clear();
    counters_->add(common::Counter::LocalDeliveries, sent);
    return sent;
}

std::size_t ChannelHub::deliver_sequenced(SequencedEvent& s) {
    Event& event = s.event;
    bool new_stream = false;
    if (event.offset != 0) {
        // First touch by a record: no subscription here has been told a position yet, so the
        // stream starts with this record (not at the store's head, which may be past it).
        auto it = stream_positions_.find(event.topic);
        if (it == stream_positions_.end()) {
            stream_positions_.emplace(std::string(event.topic), StreamState{event.offset, s.epoch});
        } else if (it->second.epoch != s.epoch) {
            it->second = {event.offset, s.epoch};  // a new stream starts with this record
            new_stream = true;
        } else if (event.offset <= it->second.offset) {
            return 0;  // served by a recovery already
        } else {
            it->second.offset = event.offset;
        }
    }
    const EpochText epoch = epoch_text(s.epoch);
    event.epoch = epoch.view();
    if (new_stream && !pending_.empty()) join_pending(event.topic);
    Frames frames;
    ConnId except = s.from_slot == slot_ ? s.publisher : kNoConn;
    for (std::size_t tag = 0; tag < kMaxProtocols; ++tag) {
        if (!adapters_[tag]) continue;
        frames[tag] = adapters_[tag]->encode_event(event);
        if (except == kNoConn && !s.exclusion.empty())
            except = adapters_[tag]->resolve_exclusion(s.exclusion);
    }
    auto sink = [this](ConnId to, const net::FrameRef& f) { transport_.send(to, f); };
    const std::size_t sent = topics_.publish_tagged(
        event.topic, except,
        [&](ProtocolTag tag) { return tag < kMaxProtocols ? &frames[tag] : nullptr; }, sink);
    if (cache_ && frames[cache_->tag()] && cache_->wants(event.topic))
        cache_->store(event.topic, frames[cache_->tag()], transport_.now_ms());
    counters_->add(common::Counter::LocalDeliveries, sent);
    if (!pending_.empty() && event.offset != 0) resolve_pending(event.topic, event.offset);
    return sent;
}

void ChannelHub::resolve_pending(std::string_view topic, std::uint64_t position) {
    for (std::size_t i = 0; i < pending_.size();) {
        PendingStart& p = pending_[i];
        if (p.topic != topic || p.since > position) {
            ++i;
            continue;
        }
        // Records lost on the way (a lapped control ring) can take the stream past the
        // client's position in one step: the store serves the difference.
        staged_.events.clear();
        if (p.since < position) {
            history_->read_since(topic, p.since, p.window.events, min_time_ms(p.window), staged_);
            std::erase_if(staged_.events,
                          [&](const StoredEvent& e) { return e.offset > position; });
        }
        const PendingStart done = std::move(p);
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
        send_recovered(done.topic, done.conn, done.tag);
        subscribe(done.topic, done.conn, done.tag);
    }
}

void ChannelHub::join_pending(std::string_view topic) {
    for (std::size_t i = 0; i < pending_.size();) {
        if (pending_[i].topic != topic) {
            ++i;
            continue;
        }
        const PendingStart done = std::move(pending_[i]);
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
        subscribe(done.topic, done.conn, done.tag);
    }
}

void ChannelHub::drop_pending(std::string_view topic, ConnId conn) noexcept {
    std::erase_if(pending_,
                  [&](const PendingStart& p) { return p.conn == conn && p.topic == topic; });
}

bool ChannelHub::read_history(std::string_view topic, std::uint64_t since, std::uint32_t limit,
                              const HistoryWindow& window, HistoryRead& out) const {
    out = {};
    if (!history_) return false;
    history_->read_since(topic, since, std::min(limit, window.events), min_time_ms(window), out);
    return true;
}

}  // namespace shoal::channel
