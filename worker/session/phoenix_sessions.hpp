// SPDX-License-Identifier: MIT
// The Phoenix Channels v2 state machine over the channel core: connect token, join/leave (with
// Phoenix's duplicate-join rule), heartbeats, client pushes (rate-limited, refusable per topic
// prefix), Phoenix.Presence on presence:* topics, and delivery of events from the HTTP API or
// the other protocol. No sockets: it speaks through net::Transport, so tests use a fake.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/config.hpp"
#include "worker/channel/presence_replica.hpp"
#include "worker/channel/topic_table.hpp"
#include "worker/codec/phoenix_message.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/phoenix_connection.hpp"

namespace shoal::session {

inline constexpr channel::ProtocolTag kPhoenixProtocol = 1;

// Told of each accepted client push, so subscribers of the same name in another protocol get it.
class PhoenixPushTap {
  public:
    virtual ~PhoenixPushTap() = default;
    virtual void on_phoenix_push(std::string_view topic, std::string_view event,
                                 std::string_view payload_json) = 0;
};

// Why a join or push is refused: the "reason" of the error reply.
namespace phoenix_reason {
inline constexpr std::string_view kUnauthorized = "unauthorized";
inline constexpr std::string_view kUnmatchedTopic = "unmatched topic";
inline constexpr std::string_view kRateLimited = "rate limited";
inline constexpr std::string_view kPushNotAllowed = "push not allowed";
inline constexpr std::string_view kPayloadTooLarge = "payload too large";
inline constexpr std::string_view kTooManyTopics = "too many topics";
inline constexpr std::string_view kPresenceFull = "presence full";
}  // namespace phoenix_reason

class PhoenixSessions {
  public:
    using WallClockS = std::int64_t (*)();

    // (slot, epoch) name this worker start in presence metas (phx_ref); 0/0 when standalone.
    PhoenixSessions(const common::Config& config, net::Transport& transport, WallClockS clock,
                    std::uint32_t slot = 0, std::uint32_t epoch = 0);

    void set_push_tap(PhoenixPushTap* tap) noexcept { tap_ = tap; }

    // A WebSocket opened on /socket/websocket?{query} (vsn already checked).
    void open(net::ConnId id, std::string_view query);
    void message(net::ConnId id, std::string_view text);
    void idle(net::ConnId id);
    void closed(net::ConnId id);

    // [null, null, topic, event, payload] to every member of topic on this worker except
    // `except`; data is embedded as JSON when it is JSON, else as a string. Encoded once.
    std::size_t deliver(std::string_view topic, std::string_view event, std::string_view data,
                        net::ConnId except = channel::kNoConn);

    std::size_t member_count(std::string_view topic) const noexcept {
        return topics_.subscriber_count(topic);
    }
    std::size_t connection_count() const noexcept { return conns_.size(); }

  private:
    void join(net::ConnId id, PhoenixConnection& c, const codec::PhoenixMessage& m);
    void leave(net::ConnId id, PhoenixConnection& c, const codec::PhoenixMessage& m);
    void client_push(net::ConnId id, PhoenixConnection& c, const codec::PhoenixMessage& m);
    // Drops one join: unsubscribes, untracks presence (with its diff); no frame to the client.
    void drop_join(net::ConnId id, PhoenixConnection& c, std::string_view topic);
    std::string_view join_refusal(const PhoenixConnection& c, std::string_view topic) const;
    bool allow_push(PhoenixConnection& c);
    bool push_denied(std::string_view topic) const noexcept;

    // Presence (phoenix_presence_session.cpp).
    void track(net::ConnId id, const PhoenixConnection& c, const PhoenixJoin& j);
    void untrack(net::ConnId id, const PhoenixConnection& c, std::string_view topic);
    void send_presence_state(net::ConnId id, const PhoenixJoin& j);
    void broadcast_diff(std::string_view topic, std::string_view user_id,
                        std::string_view info_json, const channel::MemberKey& key, bool join);

    void reply(net::ConnId id, const codec::PhoenixMessage& m, std::string_view status,
               std::string_view response_json);
    void reply_error(net::ConnId id, const codec::PhoenixMessage& m, std::string_view reason);
    void send_view(net::ConnId id, std::string_view frame_text);
    std::size_t broadcast_view(std::string_view topic, std::string_view frame_text,
                               net::ConnId except);

    const common::Config& config_;
    net::Transport& transport_;
    WallClockS clock_;
    std::uint32_t slot_;
    std::uint32_t epoch_;
    PhoenixPushTap* tap_ = nullptr;
    std::unordered_map<net::ConnId, PhoenixConnection> conns_;
    channel::TopicTable topics_;
    channel::PresenceReplica presence_;
    codec::PhoenixCodec codec_;
    std::string payload_;  // a payload being built (presence state/diff, delivered data)
    std::string scratch_;  // small texts (phx_ref, reason objects)
};

}  // namespace shoal::session
