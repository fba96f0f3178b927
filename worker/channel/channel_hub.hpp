// SPDX-License-Identifier: MIT
// ChannelHub: the worker-wide, protocol-neutral channel core shared by every protocol adapter. It
// owns local subscriptions (TopicTable, subscribers tagged by protocol), the host-wide presence
// replica and the other slots' topic counts, and it is the one place where local and remote
// traffic meet: an event is encoded once per registered protocol here, the bus port (if any)
// carries the (tag, frame) pairs to the other workers, and remote records come back in through
// the remote_* calls. It knows no protocol names and no libuv (R4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/counters.hpp"
#include "worker/channel/history_source.hpp"
#include "worker/channel/last_event_cache.hpp"
#include "worker/channel/presence_replica.hpp"
#include "worker/channel/slot_topic_counts.hpp"
#include "worker/channel/string_key.hpp"
#include "worker/channel/topic_table.hpp"
#include "worker/net/handler.hpp"

namespace shoal::channel {

// Protocol tags are assigned by the worker's protocol registry (worker/protocols/); the hub only
// indexes by them. The bus records carry the same tags (records::kMaxFrames).
inline constexpr std::size_t kMaxProtocols = 8;   // tags 0..kMaxProtocols-1
inline constexpr ProtocolTag kNoProtocol = 0xFF;  // a server-side event has no origin protocol
// One encoded frame per protocol tag; an empty slot means "nothing for that protocol".
using Frames = std::array<net::FrameRef, kMaxProtocols>;
// A frame another worker encoded, as its bus record carries it.
struct TaggedWire {
    ProtocolTag protocol = 0;
    std::string_view wire;
    // The same bytes already in a frame of their own (the bus reader's one copy), or null: the
    // hub then copies wire into a frame if a local subscriber wants it.
    const net::FrameRef* frame = nullptr;
};

// An event before any protocol encoded it. Each protocol's encoder decides from it whether its
// subscribers may see the event (its topic policy) and how (its codec), so adding a protocol
// adds one encoder, not one per pair of protocols.
struct Event {
    std::string_view topic;
    std::string_view name;
    std::string_view data;     // JSON text or a plain string, as published
    std::string_view user_id;  // the signed-in publisher of a client event; empty otherwise
    bool from_client = false;  // a client's publish (untrusted), not a server-side trigger
    // The publisher's app keeps the channel's history: the supervisor sequences the event and
    // every worker delivers it from the control ring (docs/history.md).
    bool history = false;
    // Set only on a sequenced event: its place in the channel's history (0: none) and the
    // stream's epoch (epoch_text), which encoders render as the event's position.
    std::uint64_t offset = 0;
    std::string_view epoch{};
    // A sequenced client event: the protocol that published it, which renders it as its own
    // publisher would have (kNoProtocol for a server-side event).
    ProtocolTag origin = kNoProtocol;
};

// A sequenced event as the control ring carries it (records::Sequenced).
struct SequencedEvent {
    Event event;                  // offset set; epoch (as text) filled in by the hub
    std::uint64_t epoch = 0;      // the stream `event.offset` belongs to
    std::uint32_t from_slot = 0;  // the publishing worker
    ConnId publisher = kNoConn;   // skipped on from_slot (a client event's sender)
    std::string_view exclusion;   // an exclusion token, resolved by the adapters
};

// What a protocol module (Pusher sessions, Phoenix sessions, ...) does for the hub. Presence
// changes are reported as user-level facts; each adapter renders its own frames (member_added /
// presence_diff) and delivers them to its local subscribers of the topic.
class ProtocolAdapter {
  public:
    // The adapter's frame for an event published elsewhere (an HTTP API trigger, or a client of
    // another protocol), or an empty ref when its clients must not or cannot receive it. Called
    // once per publish, never per subscriber, whether or not this worker has subscribers (the
    // same bytes travel to the other workers).
    virtual net::FrameRef encode_event(const Event& event) = 0;
    // user_id became present on topic (its first connection anywhere on the host). `except` is
    // the local connection that joined (it learns the member list another way), or kNoConn.
    // Adapters without user-level presence keep the empty defaults.
    virtual void on_member_added(std::string_view topic, std::string_view user_id,
                                 std::string_view info_json, ConnId except) {
        (void)topic, (void)user_id, (void)info_json, (void)except;
    }
    virtual void on_member_removed(std::string_view topic, std::string_view user_id) {
        (void)topic, (void)user_id;
    }
    // Every connection-level presence change (local or remote, a dropped or reconciled slot
    // included), after the replica changed; info_json is the user's. Phoenix renders one meta
    // per connection from it; adapters with user-level presence ignore it.
    virtual void on_presence_conn(std::string_view topic, std::string_view user_id,
                                  std::string_view info_json, const MemberKey& key, bool joined) {
        (void)topic, (void)user_id, (void)info_json, (void)key, (void)joined;
    }
    // A local connection named by an exclusion token (a Pusher socket_id), or kNoConn.
    virtual ConnId resolve_exclusion(std::string_view token) const noexcept {
        (void)token;
        return kNoConn;
    }
    // A message the same adapter on another worker sent to this one (ChannelHub::send_directed).
    virtual void on_directed(std::uint32_t from_slot, std::string_view bytes) {
        (void)from_slot, (void)bytes;
    }
    // Closes this adapter's local connections signed in as user_id; returns how many.
    virtual std::size_t terminate_local_user(std::string_view user_id) {
        (void)user_id;
        return 0;
    }

  protected:
    ~ProtocolAdapter() = default;
};

// The hub's way out to the other workers (implemented by worker/bus_bridge; absent standalone).
// What a worker tells the supervisor's webhooks that no other record shows (records::HookFact).
enum class HookFactKind : std::uint8_t { ClientEvent = 1, CacheMiss = 2 };

struct HookFact {
    HookFactKind kind = HookFactKind::ClientEvent;
    std::string_view topic;
    std::string_view event;
    std::string_view data;
    std::string_view socket_id;
    std::string_view user_id;
};

class BusPort {
  public:
    // frames: one per tag, empty where that protocol does not carry the event.
    virtual void broadcast(std::string_view topic, const Frames& frames,
                           std::string_view exclusion) noexcept = 0;
    virtual void presence_join(ConnId conn, std::string_view topic, std::string_view user_id,
                               std::string_view info_json) noexcept = 0;
    virtual void presence_leave(ConnId conn, std::string_view topic,
                                std::string_view user_id) noexcept = 0;
    virtual void topic_count(std::string_view topic, std::uint32_t subscribers) noexcept = 0;
    virtual void terminate_user(std::string_view user_id) noexcept = 0;
    // False when the message cannot go (too large for a record, or no such port).
    virtual bool directed(std::uint32_t target_slot, ProtocolTag protocol,
                          std::string_view bytes) noexcept {
        (void)target_slot, (void)protocol, (void)bytes;
        return false;
    }
    virtual void hook_fact(const HookFact& fact) noexcept { (void)fact; }
    // A publish on a history channel, for the supervisor to sequence; false when it cannot go.
    virtual bool sequence(const Event& event, ConnId publisher,
                          std::string_view exclusion) noexcept {
        (void)event, (void)publisher, (void)exclusion;
        return false;
    }

  protected:
    ~BusPort() = default;
};

class ChannelHub {
  public:
    // slot/epoch name this worker's own presence entries (0/0 for a standalone worker).
    explicit ChannelHub(net::Transport& transport, std::uint32_t slot = 0, std::uint64_t epoch = 0);

    void add_adapter(ProtocolTag tag, ProtocolAdapter& adapter);
    void attach_bus(BusPort* port) noexcept { bus_ = port; }
    // The adapter's last-event cache: publish and deliver_remote keep cache topics' frames of its
    // tag there (owned by the adapter, which outlives the hub's use of it).
    void attach_cache(LastEventCache* cache) noexcept { cache_ = cache; }
    // Where local deliveries are counted (and what clients publish): the slot's block in the
    // bus; a block of the hub's own until attached.
    void attach_counters(common::CounterBlock& counters) noexcept { counters_ = &counters; }
    // The host's channel history (absent: history channels behave as any other).
    void attach_history(const HistorySource* source) noexcept;
    const HistorySource* history() const noexcept { return history_; }
    common::CounterBlock& counters() noexcept { return *counters_; }
    // Keeps a frame another worker's snapshot answer carried (stored age_ms ago) when it is of
    // the cache's protocol.
    void remote_cached(std::string_view topic, ProtocolTag protocol, std::string_view wire,
                       std::uint64_t age_ms);
    // f(topic, protocol, wire bytes, age_ms) per live cached topic (what a snapshot answer
    // carries).
    template <class F>
    void for_each_cached(F&& f) const;
    net::Transport& transport() noexcept { return transport_; }
    std::uint32_t slot() const noexcept { return slot_; }
    std::uint64_t epoch() const noexcept { return epoch_; }
    // Sends bytes to the adapter of `protocol` on worker `slot` (its on_directed); false without
    // a bus or when the bus refused them.
    // For the supervisor's webhooks; the caller asked the app whether a webhook wants it.
    void hook_fact(const HookFact& fact) noexcept {
        if (bus_) bus_->hook_fact(fact);
    }
    bool send_directed(std::uint32_t slot, ProtocolTag protocol, std::string_view bytes) {
        return bus_ && bus_->directed(slot, protocol, bytes);
    }
    // From the bus: a directed message of `protocol` from worker from_slot.
    void deliver_directed(std::uint32_t from_slot, ProtocolTag protocol, std::string_view bytes) {
        if (protocol < kMaxProtocols && adapters_[protocol])
            adapters_[protocol]->on_directed(from_slot, bytes);
    }

    // --- local connections (called by adapters) ---
    bool subscribe(std::string_view topic, ConnId conn, ProtocolTag tag);
    bool unsubscribe(std::string_view topic, ConnId conn);
    // Records a local connection as user_id on topic; on the user's first connection host-wide
    // every adapter hears on_member_added (except `conn`) and the bus carries the join.
    PresenceChange join(std::string_view topic, std::string_view user_id,
                        std::string_view info_json, ConnId conn);
    PresenceChange leave(std::string_view topic, std::string_view user_id, ConnId conn);

    // Delivers frames[tag] to local subscribers of each tag (except `except`) and writes one bus
    // record with the same bytes. Returns local deliveries.
    std::size_t publish(std::string_view topic, const Frames& frames, ConnId except,
                        std::string_view exclusion);
    // A client's publish: `own` is the frame its protocol (`origin`) encoded itself; every other
    // adapter encodes event (from_client set) by its own rules. `except` is the publisher.
    std::size_t publish_client(const Event& event, ProtocolTag origin, net::FrameRef own,
                               ConnId except);
    // Local-only delivery of a frame an adapter rendered itself (e.g. from a presence change,
    // which every worker derives from its own replica).
    std::size_t deliver_local(std::string_view topic, ProtocolTag tag, const net::FrameRef& frame,
                              ConnId except);
    // A server-side event: every adapter encodes once; `exclusion` names a socket to skip,
    // wherever it lives.
    std::size_t publish_event(const Event& event, std::string_view exclusion);
    // --- channel history (channel_hub_history.cpp, docs/history.md) ---
    // Subscribes conn to a history topic and decides what it missed: events after `from` up
    // to the position live delivery continues from, exactly once. The caller sends its reply
    // (with the answer's position and recovered flag), then send_recovered(), in the same loop
    // turn. A worker behind the client's position defers the subscription until it catches up.
    StreamStart start_history(std::string_view topic, ConnId conn, ProtocolTag tag,
                              const RecoverFrom& from, const HistoryWindow& window);
    // The missed events start_history staged, rendered by the adapter of `tag`; returns how many.
    std::size_t send_recovered(std::string_view topic, ConnId conn, ProtocolTag tag);
    // From the control ring: one event the supervisor sequenced, delivered to local subscribers
    // unless this worker already served its offset.
    std::size_t deliver_sequenced(SequencedEvent& sequenced);
    // What the HTTP history route reads: at most `limit` events after `since`.
    bool read_history(std::string_view topic, std::uint64_t since, std::uint32_t limit,
                      const HistoryWindow& window, HistoryRead& out) const;

    // Closes user_id's connections on every worker; returns how many were local.
    std::size_t terminate_user(std::string_view user_id);

    // --- host-wide answers ---
    std::size_t subscription_count(std::string_view topic) const noexcept;
    const PresenceReplica& presence() const noexcept { return presence_; }
    const TopicTable& local_topics() const noexcept { return topics_; }
    // f(std::string_view topic, std::size_t host_subscribers) for each occupied topic.
    template <class F>
    void for_each_topic(F&& f) const;

    // --- from the bus (called by worker/bus_bridge) ---
    // Copies each frame once into a SharedFrame, only when a local subscriber of its tag exists,
    // and hands it to them; `exclusion` is resolved by the adapters.
    std::size_t deliver_remote(std::string_view topic, std::span<const TaggedWire> frames,
                               std::string_view exclusion);
    void remote_join(std::uint32_t slot, std::uint64_t epoch, ConnId conn, std::string_view topic,
                     std::string_view user_id, std::string_view info_json);
    void remote_leave(std::uint32_t slot, std::uint64_t epoch, ConnId conn, std::string_view topic,
                      std::string_view user_id);
    void remote_topic_count(std::uint32_t slot, std::string_view topic, std::uint32_t count);
    void remote_terminate(std::string_view user_id);
    // worker_down(slot, epoch): drops that slot's members (member_removed for users now gone)
    // and topic counts; later records of that epoch or older are ignored.
    void drop_slot(std::uint32_t slot, std::uint64_t epoch);
    // Reconciliation with slot's snapshot after this reader lost records of its ring: entries of
    // slot not re-announced between begin and end are dropped (missed leaves do not linger).
    void begin_reconcile(std::uint32_t slot);
    void end_reconcile(std::uint32_t slot);

    // The snapshot this worker answers with: f(conn, topic, user_id, info_json) per local
    // presence connection, g(topic, count) per local topic.
    template <class F, class G>
    void for_each_local_state(F&& f, G&& g) const;

  private:
    bool stale(std::uint32_t slot, std::uint64_t epoch) const noexcept;
    // A history publish handed to the supervisor (true), or delivered as any other (false).
    bool try_sequence(const Event& event, ConnId publisher, std::string_view exclusion);
    // Where this worker's live delivery of a topic is: the last offset and its stream.
    struct StreamState {
        std::uint64_t offset = 0;
        std::uint64_t epoch = 0;
    };
    // The offset this worker's live delivery of topic has reached (the region's head the first
    // time it is asked).
    StreamState& stream_position(std::string_view topic);
    StreamState store_head(std::string_view topic);
    // The topic's stream changed epoch under clients waiting to join: they join now.
    void join_pending(std::string_view topic);
    void resolve_pending(std::string_view topic, std::uint64_t position);
    void drop_pending(std::string_view topic, ConnId conn) noexcept;
    std::uint64_t min_time_ms(const HistoryWindow& window) const noexcept;
    void announce_count(std::string_view topic);
    void member_added(std::string_view topic, std::string_view user_id, ConnId except);
    void member_removed(std::string_view topic, std::string_view user_id);
    void presence_conn(std::string_view topic, std::string_view user_id, std::string_view info_json,
                       const MemberKey& key, bool joined);
    // The replica's join/leave plus on_presence_conn when (topic, user, key) really changed.
    PresenceChange replica_join(std::string_view topic, std::string_view user_id,
                                std::string_view info_json, const MemberKey& key);
    PresenceChange replica_leave(std::string_view topic, std::string_view user_id,
                                 const MemberKey& key);

    net::Transport& transport_;
    std::uint32_t slot_;
    std::uint64_t epoch_;
    BusPort* bus_ = nullptr;
    LastEventCache* cache_ = nullptr;
    common::CounterBlock own_counters_{};
    common::CounterBlock* counters_ = &own_counters_;
    std::array<ProtocolAdapter*, kMaxProtocols> adapters_{};
    TopicTable topics_;
    PresenceReplica presence_;
    SlotTopicCounts remote_counts_;
    std::vector<std::uint64_t> down_epoch_;           // per slot: the last epoch announced down
    std::vector<std::uint32_t> reconciling_;          // slots whose snapshot is being awaited
    std::unordered_set<std::string> reconcile_seen_;  // "slot|epoch|conn|topic|user" re-announced

    // History: the source, per topic the last position delivered live here,
    // subscriptions waiting for this worker to reach a client's position, and the events
    // start_history staged for send_recovered.
    struct PendingStart {
        std::string topic;
        ConnId conn = kNoConn;
        ProtocolTag tag = 0;
        std::uint64_t since = 0;
        HistoryWindow window;
    };
    const HistorySource* history_ = nullptr;
    StringMap<StreamState> stream_positions_;
    std::vector<PendingStart> pending_;
    HistoryRead staged_;
    HistoryRead probe_;
};

template <class F>
void ChannelHub::for_each_topic(F&& f) const {
    topics_.for_each_topic(
        [&](std::string_view name, std::size_t) { f(name, subscription_count(name)); });
    remote_counts_.for_each_topic([&](std::string_view name) {
        if (topics_.subscriber_count(name) == 0) f(name, subscription_count(name));
    });
}

template <class F>
void ChannelHub::for_each_cached(F&& f) const {
    if (!cache_) return;
    cache_->for_each_live(
        transport_.now_ms(),
        [&](std::string_view topic, const net::FrameRef& frame, std::uint64_t age_ms) {
            f(topic, cache_->tag(), frame->wire(), age_ms);
        });
}

template <class F, class G>
void ChannelHub::for_each_local_state(F&& f, G&& g) const {
    presence_.for_each_member(
        [&](std::string_view topic, std::string_view user, const PresenceUser& u) {
            for (const auto& k : u.connections)
                if (k.slot == slot_ && k.epoch == epoch_)
                    f(k.conn, topic, user, std::string_view(u.info_json));
        });
    topics_.for_each_topic(
        [&](std::string_view name, std::size_t n) { g(name, static_cast<std::uint32_t>(n)); });
}

}  // namespace shoal::channel
