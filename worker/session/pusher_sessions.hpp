// SPDX-License-Identifier: MIT
// The Pusher protocol 7 state machine over the channel core: connection setup, subscriptions
// (public, private, presence, encrypted), client events, signin, and what the HTTP API asks of
// it (trigger, channel queries, terminate a user's connections). No sockets: it speaks through
// net::Transport, so tests drive it with a fake.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/config.hpp"
#include "worker/channel/app_directory.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/codec/pusher_encode.hpp"
#include "worker/codec/pusher_message.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/conn_slots.hpp"
#include "worker/session/pusher_connection.hpp"

namespace shoal::session {

inline constexpr channel::ProtocolTag kPusherProtocol = 0;

struct ChannelInfo {
    bool occupied = false;
    std::size_t subscription_count = 0;
    std::size_t user_count = 0;  // presence channels only
};

class PusherSessions final : public channel::ProtocolAdapter {
  public:
    // socket_prefix: the part before the dot of every socket id this worker hands out. The hub is
    // the worker's, shared with the other protocol adapters and the bus; apps is the worker's.
    PusherSessions(const common::Config& config, channel::ChannelHub& hub,
                   channel::AppDirectory& apps, std::uint32_t socket_prefix);
    PusherSessions(const PusherSessions&) = delete;
    PusherSessions& operator=(const PusherSessions&) = delete;

    // A WebSocket opened on /app/{key}?{query}.
    void open(net::ConnId id, std::string_view key, std::string_view query);
    void message(net::ConnId id, std::string_view text);
    void idle(net::ConnId id);
    void shutdown(net::ConnId id);
    void closed(net::ConnId id);

    // After AppDirectory::replace(): connections move to their app's new settings; those of a
    // removed app close with 4001, those of a disabled app with 4003.
    void apps_replaced();

    // HTTP API side, for one app. except_socket_id may be empty. Returns subscribers reached on
    // this worker.
    std::size_t trigger(const common::App& app, std::string_view channel, std::string_view event,
                        std::string_view data, std::string_view except_socket_id);
    ChannelInfo channel_info(const common::App& app, std::string_view channel) const;
    // The worker's counters (the hub's block), for what the HTTP API counts.
    common::CounterBlock& counters() noexcept { return hub_.counters(); }
    // f(channel, ChannelInfo) for each occupied channel of app whose name starts with prefix.
    template <class F>
    void for_each_channel(const common::App& app, std::string_view prefix, F&& f) const {
        const std::string scope = common::topic_prefix(app.id);
        hub_.for_each_topic([&](std::string_view topic, std::size_t) {
            if (!topic.starts_with(scope)) return;
            std::string_view name = topic.substr(scope.size());
            if (name.starts_with(prefix) && !name.starts_with("#")) f(name, topic_info(topic));
        });
    }
    // f(user_id) for each member of one of app's presence channels.
    template <class F>
    void for_each_user(const common::App& app, std::string_view channel, F&& f) const {
        hub_.presence().for_each_user(common::scope_topic(app.id, channel),
                                      [&](std::string_view id, const auto&) { f(id); });
    }
    // A history channel's newest `limit` events after `since` (docs/history.md); false when the
    // channel keeps no history (the app's settings, or no history on this host).
    bool read_history(const common::App& app, std::string_view channel, std::uint64_t since,
                      std::uint32_t limit, channel::HistoryRead& out) const {
        if (!hub_.history() || !app.history.enabled_for(channel)) return false;
        return hub_.read_history(common::scope_topic(app.id, channel), since, limit,
                                 {app.history.events, app.history.seconds}, out);
    }
    // Closes every connection of app signed in as user_id on every worker; returns how many here.
    std::size_t terminate_user(const common::App& app, std::string_view user_id);

    std::size_t connection_count() const noexcept { return conns_.size(); }
    const channel::AppDirectory& apps() const noexcept { return apps_; }
    // The connection a socket id names on this worker, or 0.
    net::ConnId conn_of_socket(std::string_view socket_id) const noexcept;

    // channel::ProtocolAdapter: what the hub asks of the Pusher side.
    net::FrameRef encode_event(const channel::Event& event) override;
    void on_member_added(std::string_view topic, std::string_view user_id,
                         std::string_view info_json, net::ConnId except) override;
    void on_member_removed(std::string_view topic, std::string_view user_id) override;
    net::ConnId resolve_exclusion(std::string_view token) const noexcept override {
        return conn_of_socket(token);
    }
    std::size_t terminate_local_user(std::string_view user_id) override;

  private:
    ChannelInfo topic_info(std::string_view topic) const;
    // The open handshake's answer for an app the directory did not admit (closes id).
    void refuse(net::ConnId id, channel::Admission why);
    // Drops c's signed-in user (its user channel and its entry in users_).
    void forget_user(net::ConnId id, PusherConnection& c);
    void subscribe(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m);
    bool subscribe_presence(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m);
    // Joins topic's subscribers: through the hub's history start on a history channel (the
    // answer fills `history`; returns false), else plainly (returns true: no history).
    bool join_topic(net::ConnId id, const PusherConnection& c, const codec::ClientMessage& m,
                    const std::string& topic, codec::HistoryStartInfo& history);
    void unsubscribe(net::ConnId id, PusherConnection& c, std::string_view channel);
    void leave(net::ConnId id, const PusherSubscription& s);
    // After subscription_succeeded on a cache channel: its last event, or pusher:cache_miss
    // (and a fact for the cache_miss webhook when the app has one for the channel).
    void send_cached(net::ConnId id, const PusherConnection& c, std::string_view topic);
    void client_event(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m);
    void signin(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m);

    struct SocketIdText {
        char text[32];  // uint32 prefix, '.', uint64 id
        std::uint8_t size = 0;
        std::string_view view() const noexcept { return {text, size}; }
    };
    SocketIdText socket_id_of(net::ConnId id) const noexcept;
    void send_out(net::ConnId id);  // sends out_ as one frame
    void send_error(net::ConnId id, std::uint16_t code, std::string_view message);
    void fail(net::ConnId id, std::uint16_t code, std::string_view message);  // error + close
    void subscription_error(net::ConnId id, std::string_view channel, std::string_view type,
                            std::string_view error, int status);
    bool allow_client_event(PusherConnection& c);

    const common::Config& config_;
    channel::ChannelHub& hub_;
    channel::AppDirectory& apps_;
    net::Transport& transport_;
    std::uint32_t socket_prefix_;
    channel::LastEventCache cache_;  // attached to hub_: cache channels' last events
    ConnSlots<PusherConnection> conns_;
    // Signed-in user, scoped by app like a topic -> its connections.
    std::unordered_map<std::string, std::vector<net::ConnId>> users_;
    codec::PusherParser parser_;
    codec::PresenceData presence_data_;
    std::string out_;                   // the message being encoded
    channel::EpochText start_epoch_{};  // the stream of the subscription being answered
    std::string scratch_;               // inner JSON of messages whose data is a JSON string
    std::string topic_;                 // a scoped topic being built
};

}  // namespace shoal::session
