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
#include "worker/channel/presence_replica.hpp"
#include "worker/channel/topic_table.hpp"
#include "worker/codec/pusher_encode.hpp"
#include "worker/codec/pusher_message.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/pusher_connection.hpp"

namespace shoal::session {

inline constexpr channel::ProtocolTag kPusherProtocol = 0;

struct ChannelInfo {
    bool occupied = false;
    std::size_t subscription_count = 0;
    std::size_t user_count = 0;  // presence channels only
};

// Told of each HTTP API trigger, so members of the same name in another protocol get it too.
class TriggerTap {
public:
    virtual ~TriggerTap() = default;
    virtual void on_trigger(std::string_view channel, std::string_view event, std::string_view data,
                            std::string_view except_socket_id) = 0;
};

class PusherSessions {
public:
    // socket_prefix: the part before the dot of every socket id this worker hands out.
    PusherSessions(const common::Config& config, net::Transport& transport,
                   std::uint32_t socket_prefix);

    // A WebSocket opened on /app/{key}?{query}.
    void open(net::ConnId id, std::string_view key, std::string_view query);
    void message(net::ConnId id, std::string_view text);
    void idle(net::ConnId id);
    void shutdown(net::ConnId id);
    void closed(net::ConnId id);

    void set_trigger_tap(TriggerTap* tap) noexcept { trigger_tap_ = tap; }

    // HTTP API side. except_socket_id may be empty. Returns subscribers reached on this worker.
    std::size_t trigger(std::string_view channel, std::string_view event, std::string_view data,
                        std::string_view except_socket_id);
    ChannelInfo channel_info(std::string_view channel) const;
    // f(channel, ChannelInfo) for each occupied channel whose name starts with prefix.
    template <class F>
    void for_each_channel(std::string_view prefix, F&& f) const {
        topics_.for_each_topic([&](std::string_view name, std::size_t) {
            if (name.starts_with(prefix) && !name.starts_with("#")) f(name, channel_info(name));
        });
    }
    // f(user_id) for each member of a presence channel.
    template <class F>
    void for_each_user(std::string_view channel, F&& f) const {
        presence_.for_each_user(channel, [&](std::string_view id, const auto&) { f(id); });
    }
    // Closes every connection signed in as user_id; returns how many.
    std::size_t terminate_user(std::string_view user_id);

    std::size_t connection_count() const noexcept { return conns_.size(); }
    // The connection a socket id names on this worker, or 0.
    net::ConnId conn_of_socket(std::string_view socket_id) const noexcept;

private:
    void subscribe(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m);
    bool subscribe_presence(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m);
    void unsubscribe(net::ConnId id, PusherConnection& c, std::string_view channel);
    void leave(net::ConnId id, const PusherSubscription& s);
    void client_event(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m);
    void signin(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m);

    void send_out(net::ConnId id);  // sends out_ as one frame
    void send_error(net::ConnId id, std::uint16_t code, std::string_view message);
    void fail(net::ConnId id, std::uint16_t code, std::string_view message);  // error + close
    void subscription_error(net::ConnId id, std::string_view channel, std::string_view type,
                            std::string_view error, int status);
    std::size_t broadcast_out(std::string_view channel, net::ConnId except);
    bool allow_client_event(PusherConnection& c);

    const common::Config& config_;
    net::Transport& transport_;
    std::uint32_t socket_prefix_;
    TriggerTap* trigger_tap_ = nullptr;
    std::unordered_map<net::ConnId, PusherConnection> conns_;
    std::unordered_map<std::string, std::vector<net::ConnId>> users_;  // signed-in user -> conns
    channel::TopicTable topics_;
    channel::PresenceReplica presence_;
    codec::PusherParser parser_;
    codec::PresenceData presence_data_;
    std::string out_;      // the message being encoded
    std::string scratch_;  // inner JSON of messages whose data is a JSON string
};

}  // namespace shoal::session
