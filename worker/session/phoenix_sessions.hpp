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
#include "worker/channel/app_directory.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/codec/phoenix_message.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/phoenix_connection.hpp"

namespace shoal::session {

inline constexpr channel::ProtocolTag kPhoenixProtocol = 1;

// Why a join or push is refused: the "reason" of the error reply.
namespace phoenix_reason {
inline constexpr std::string_view kUnauthorized = "unauthorized";
inline constexpr std::string_view kUnmatchedTopic = "unmatched topic";
inline constexpr std::string_view kRateLimited = "rate limited";
inline constexpr std::string_view kPushNotAllowed = "push not allowed";
inline constexpr std::string_view kPayloadTooLarge = "payload too large";
inline constexpr std::string_view kTooManyTopics = "too many topics";
inline constexpr std::string_view kPresenceFull = "presence full";
inline constexpr std::string_view kBadSince = "since must be {offset, epoch}";
}  // namespace phoenix_reason

class PhoenixSessions final : public channel::ProtocolAdapter {
  public:
    using WallClockS = std::int64_t (*)();

    // The hub is the worker's, shared with the Pusher adapter and the bus. Its (slot, epoch)
    // name connections in phx_refs.
    PhoenixSessions(const common::Config& config, channel::ChannelHub& hub,
                    channel::AppDirectory& apps, WallClockS clock);
    PhoenixSessions(const PhoenixSessions&) = delete;
    PhoenixSessions& operator=(const PhoenixSessions&) = delete;

    // A WebSocket opened on /socket/websocket?{query} (vsn already checked). The query's app=KEY
    // names the app (default: the first app); an unknown key closes with 4001, a disabled app
    // with 4003, a full connection quota with 4004 (Pusher's codes).
    void open(net::ConnId id, std::string_view query);
    // After AppDirectory::replace(): as PusherSessions::apps_replaced().
    void apps_replaced();
    // The app a connect query names, or null when it names an unknown key.
    const common::App* app_of_query(std::string_view query) const;
    void message(net::ConnId id, std::string_view text);
    void idle(net::ConnId id);
    void closed(net::ConnId id);

    std::size_t member_count(std::string_view topic) const noexcept;
    std::size_t connection_count() const noexcept { return conns_.size(); }

    // channel::ProtocolAdapter. encode_event: [null, null, topic, event, data], data embedded as
    // JSON when it is JSON, else as a string; empty for names no Phoenix client can join, and
    // for another protocol's client events on a guarded topic.
    net::FrameRef encode_event(const channel::Event& event) override;
    void on_member_added(std::string_view, std::string_view, std::string_view,
                         channel::ConnId) override {}  // Phoenix diffs are per connection
    void on_member_removed(std::string_view, std::string_view) override {}
    void on_presence_conn(std::string_view topic, std::string_view user_id,
                          std::string_view info_json, const channel::MemberKey& key,
                          bool joined) override;
    channel::ConnId resolve_exclusion(std::string_view) const noexcept override {
        return channel::kNoConn;  // exclusions name Pusher sockets
    }
    std::size_t terminate_local_user(std::string_view user_id) override;

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

    void reply(net::ConnId id, const codec::PhoenixMessage& m, std::string_view status,
               std::string_view response_json);
    void reply_error(net::ConnId id, const codec::PhoenixMessage& m, std::string_view reason);
    void send_view(net::ConnId id, std::string_view frame_text);
    // Client push: to the other Phoenix members and, through the other protocols' encoders, to
    // their subscribers of the topic, on every worker.
    void publish_push(net::ConnId id, PhoenixConnection& c, const codec::PhoenixMessage& m);
    void refuse(net::ConnId id, PhoenixConnection& c, channel::Admission why);

    const common::Config& config_;
    channel::ChannelHub& hub_;
    channel::AppDirectory& apps_;
    net::Transport& transport_;
    WallClockS clock_;
    std::unordered_map<net::ConnId, PhoenixConnection> conns_;
    codec::PhoenixCodec codec_;
    std::string payload_;   // a payload being built (presence state/diff, delivered data)
    std::string scratch_;   // small texts (phx_ref, reason objects)
    std::string position_;  // a history event's ref, "<epoch>:<offset>"
};

}  // namespace shoal::session
