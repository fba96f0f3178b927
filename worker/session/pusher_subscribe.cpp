// SPDX-License-Identifier: MIT
// Subscribe and unsubscribe: channel-name rules, auth signatures, the per-connection channel limit,
// and presence (member limit, user info size, member_added/member_removed derived from the
// replica, so a user with two connections is announced once), and a cache channel's last event
// (or pusher:cache_miss) right after subscription_succeeded.
#include <vector>

#include "worker/codec/pusher_channel_name.hpp"
#include "worker/codec/pusher_signature.hpp"
#include "worker/session/pusher_sessions.hpp"

namespace shoal::session {

void PusherSessions::subscribe(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m) {
    std::string_view ch = m.channel;
    if (codec::channel_kind(ch) == codec::ChannelKind::ServerToUser) {
        // pusher-js subscribes to its own user channel after signin; signin already joined it.
        if (!c.user || ch.substr(codec::kServerToUserPrefix.size()) != *c.user)
            return subscription_error(id, ch, "AuthError", "Sign in as this user first", 401);
        codec::encode_subscription_succeeded(out_, ch);
        return send_out(id);
    }
    if (!codec::valid_channel_name(ch))
        return subscription_error(id, ch, "InvalidChannel",
                                  "Channel names are 1-200 bytes of [A-Za-z0-9_-=@,.;]", 400);
    if (c.find(ch)) {  // pusher-js resubscribes after a reconnect; answer as Pusher does
        if (codec::channel_kind(ch) != codec::ChannelKind::Presence) {
            codec::encode_subscription_succeeded(out_, ch);
            send_out(id);
        }
        return;
    }
    if (c.subscriptions.size() >= config_.limits.max_channels_per_connection)
        return subscription_error(id, ch, "LimitReached", "Too many channels on this connection",
                                  4100);
    auto kind = codec::channel_kind(ch);
    if (codec::needs_auth(kind) &&
        !codec::verify_channel_auth(c.app->key, c.app->secret, socket_id_of(id).view(), ch,
                                    kind == codec::ChannelKind::Presence ? m.channel_data : "",
                                    m.auth))
        return subscription_error(id, ch, "AuthError",
                                  "Invalid signature: expected HMAC-SHA256 of socket_id:channel",
                                  401);
    if (kind == codec::ChannelKind::Presence) {
        subscribe_presence(id, c, m);
        return;
    }
    const std::string& topic = c.subscriptions.add({common::scope_topic(c.app->id, ch), {}}).topic;
    codec::HistoryStartInfo history;
    const bool plain = join_topic(id, c, m, topic, history);
    codec::encode_subscription_succeeded(out_, ch, plain ? nullptr : &history);
    send_out(id);
    // Missed events after subscription_succeeded, before any live one (docs/history.md).
    if (!plain) hub_.send_recovered(topic, id, kPusherProtocol);
    send_cached(id, c, topic);
}

bool PusherSessions::join_topic(net::ConnId id, const PusherConnection& c,
                                const codec::ClientMessage& m, const std::string& topic,
                                codec::HistoryStartInfo& history) {
    const common::HistorySettings& h = c.app->history;
    if (!hub_.history() || !h.enabled_for(common::topic_name(topic))) {
        hub_.subscribe(topic, id, kPusherProtocol);
        return true;
    }
    channel::RecoverFrom from;
    if (m.has_recover) {
        from.asked = true;
        from.offset = m.recover_offset;
        // An epoch that is not one of ours is never this stream's (0 matches no epoch).
        if (!channel::parse_epoch(m.recover_epoch, from.epoch)) from.epoch = 0;
    }
    const channel::StreamStart start =
        hub_.start_history(topic, id, kPusherProtocol, from, {h.events, h.seconds});
    start_epoch_ = start.epoch;  // `history` is rendered after this returns
    history = {{start.position, start_epoch_.view()}, from.asked, start.recovered};
    return false;
}

void PusherSessions::send_cached(net::ConnId id, const PusherConnection& c,
                                 std::string_view topic) {
    const std::string_view channel = common::topic_name(topic);
    if (!codec::is_cache_channel(channel)) return;
    // The same shared frame the channel's subscribers got when it was published.
    if (net::FrameRef last = cache_.find(topic, transport_.now_ms())) {
        transport_.send(id, last);
        return;
    }
    codec::encode_cache_miss(out_, channel);
    send_out(id);
    if (c.app->wants_webhook("cache_miss", channel))
        hub_.hook_fact({channel::HookFactKind::CacheMiss, topic, {}, {}, {}, {}});
}

bool PusherSessions::subscribe_presence(net::ConnId id, PusherConnection& c,
                                        const codec::ClientMessage& m) {
    std::string_view ch = m.channel;
    if (!parser_.parse_channel_data(m.channel_data, presence_data_)) {
        subscription_error(id, ch, "AuthError", "channel_data must hold a user_id", 400);
        return false;
    }
    const common::AppLimits& limits = c.app->limits;
    if (presence_data_.user_info_json.size() > limits.max_presence_member_bytes) {
        subscription_error(id, ch, "LimitReached", "user_info over the size limit", 4100);
        return false;
    }
    const channel::PresenceReplica& presence = hub_.presence();
    std::string topic = common::scope_topic(c.app->id, ch);
    const bool known = presence.find(topic, presence_data_.user_id) != nullptr;
    if (!known && presence.user_count(topic) >= limits.max_presence_members) {
        subscription_error(id, ch, "LimitReached", "Presence channel is full", 4100);
        return false;
    }
    const std::string& user = presence_data_.user_id;
    c.subscriptions.add({topic, std::make_unique<std::string>(user)});
    codec::HistoryStartInfo history;
    const bool plain = join_topic(id, c, m, topic, history);
    // The hub tells the other members (on every worker) through on_member_added.
    hub_.join(topic, user, presence_data_.user_info_json, id);

    std::vector<codec::PresenceMember> members;
    members.reserve(presence.user_count(topic));
    presence.for_each_user(topic, [&](std::string_view uid, const channel::PresenceUser& u) {
        members.push_back({uid, u.info_json});
    });
    codec::encode_presence_succeeded(out_, scratch_, ch, members, plain ? nullptr : &history);
    send_out(id);
    if (!plain) hub_.send_recovered(topic, id, kPusherProtocol);
    send_cached(id, c, topic);
    return true;
}

void PusherSessions::unsubscribe(net::ConnId id, PusherConnection& c, std::string_view channel) {
    for (std::size_t i = 0; i < c.subscriptions.size(); ++i) {
        if (common::topic_name(c.subscriptions[i].topic) != channel) continue;
        PusherSubscription s = c.subscriptions.take(i);
        hub_.unsubscribe(s.topic, id);
        if (s.presence_user) leave(id, s);
        return;
    }
}

void PusherSessions::leave(net::ConnId id, const PusherSubscription& s) {
    hub_.leave(s.topic, s.presence_user_id(), id);  // member_removed comes back through the hub
}

}  // namespace shoal::session
