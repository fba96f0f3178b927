// SPDX-License-Identifier: MIT
// Connection lifecycle, message dispatch, client events and signin. Subscriptions are in
// pusher_subscribe.cpp. Every peer mistake gets one answer from codec/pusher_errors.hpp.
#include "worker/session/pusher_sessions.hpp"

#include <charconv>

#include "common/log.hpp"
#include "worker/codec/pusher_channel_name.hpp"
#include "worker/codec/pusher_errors.hpp"
#include "worker/codec/pusher_http_auth.hpp"
#include "worker/codec/pusher_signature.hpp"
#include "worker/codec/topic_policy.hpp"

namespace shoal::session {

namespace err = codec::pusher_error;
using codec::ClientMessageType;

PusherSessions::PusherSessions(const common::Config& config, channel::ChannelHub& hub,
                               channel::AppDirectory& apps, std::uint32_t socket_prefix)
    : config_(config),
      hub_(hub),
      apps_(apps),
      transport_(hub.transport()),
      socket_prefix_(socket_prefix),
      cache_(codec::is_cache_channel, kPusherProtocol,
             std::uint64_t{config.limits.cache_ttl_s} * 1000, config.limits.max_cached_channels) {
    hub_.add_adapter(kPusherProtocol, *this);
    hub_.attach_cache(&cache_);
}

void PusherSessions::open(net::ConnId id, std::string_view key, std::string_view query) {
    PusherConnection& c = conns_.open(id);
    hub_.counters().add(common::Counter::PusherConnectionsOpened);
    const common::App* app = apps_.find_key(key);
    auto admission = apps_.admit(app, id, kPusherProtocol);
    if (admission != channel::Admission::Admitted) return refuse(id, admission);
    c.app = app;
    std::vector<codec::QueryParam> params;
    const std::string* proto = nullptr;
    if (codec::parse_query(query, params)) proto = codec::find_param(params, "protocol");
    if (!proto) return fail(id, err::kNoProtocol, "No protocol version supplied");
    int version = 0;
    auto [end, ec] = std::from_chars(proto->data(), proto->data() + proto->size(), version);
    if (ec != std::errc{} || end != proto->data() + proto->size())
        return fail(id, err::kInvalidVersion, "Invalid version string format");
    if (version < 5 || version > 7)
        return fail(id, err::kUnsupportedProtocol, "Unsupported protocol version");
    codec::encode_connection_established(out_, socket_id_of(id).view(),
                                         config_.limits.activity_timeout_s);
    send_out(id);
}

void PusherSessions::refuse(net::ConnId id, channel::Admission why) {
    switch (why) {
        case channel::Admission::Admitted:
            return;
        case channel::Admission::UnknownApp:
            return fail(id, err::kAppNotFound, "App key not in this server");
        case channel::Admission::Disabled:
            return fail(id, err::kAppDisabled, "Application disabled");
        case channel::Admission::OverQuota:
            return fail(id, err::kOverQuota, "Application is over connection quota");
    }
}

void PusherSessions::apps_replaced() {
    std::vector<std::pair<net::ConnId, channel::Admission>> refused;
    conns_.for_each([&](net::ConnId id, PusherConnection& c) {
        if (!c.app || c.closing) return;
        const common::App* now = apps_.moved(*c.app, id, kPusherProtocol);
        if (!now) {
            forget_user(id, c);  // keyed by the app, which is gone
            c.app = nullptr;
            refused.emplace_back(id, channel::Admission::UnknownApp);
            return;
        }
        c.app = now;
        if (!now->enabled) refused.emplace_back(id, channel::Admission::Disabled);
    });
    // Outside the loop: a close may come back into closed(), which erases from conns_.
    for (auto [id, why] : refused)
        refuse(id, why);
}

void PusherSessions::message(net::ConnId id, std::string_view text) {
    PusherConnection* found = conns_.find(id);
    if (!found || found->closing || !found->app) return;
    PusherConnection& c = *found;
    codec::ClientMessage m;
    switch (parser_.parse(text, m)) {
        case codec::ParseError::None:
            break;
        case codec::ParseError::BadJson:
            return send_error(id, err::kGeneric, "Invalid JSON");
        case codec::ParseError::NoEvent:
            return send_error(id, err::kGeneric, "Missing event name");
        case codec::ParseError::BadPayload:
            return send_error(id, err::kGeneric, "Invalid payload for this event");
    }
    switch (m.type) {
        case ClientMessageType::Ping:
            codec::encode_pong(out_);
            return send_out(id);
        case ClientMessageType::Pong:
            return;  // any inbound frame already reset the idle timer
        case ClientMessageType::Subscribe:
            return subscribe(id, c, m);
        case ClientMessageType::Unsubscribe:
            return unsubscribe(id, c, m.channel);
        case ClientMessageType::Signin:
            return signin(id, c, m);
        case ClientMessageType::ClientEvent:
            return client_event(id, c, m);
        case ClientMessageType::Unknown:
            return send_error(id, err::kGeneric, "Unsupported event");
    }
}

void PusherSessions::idle(net::ConnId id) {
    codec::encode_ping(out_);
    send_out(id);
}

void PusherSessions::shutdown(net::ConnId id) {
    send_error(id, err::kReconnect, "Server is restarting; reconnect");
}

void PusherSessions::closed(net::ConnId id) {
    PusherConnection* found = conns_.find(id);
    if (!found) return;
    hub_.counters().add(common::Counter::PusherConnectionsClosed);
    PusherConnection& c = *found;
    for (std::size_t i = 0; i < c.subscriptions.size(); ++i) {
        const PusherSubscription& s = c.subscriptions[i];
        hub_.unsubscribe(s.topic, id);
        if (s.presence_user) leave(id, s);
    }
    forget_user(id, c);
    if (c.app) apps_.release(*c.app, id);
    conns_.erase(id);
}

void PusherSessions::forget_user(net::ConnId id, PusherConnection& c) {
    if (!c.user || !c.app) return;
    hub_.unsubscribe(
        common::scope_topic(c.app->id, std::string(codec::kServerToUserPrefix) + *c.user), id);
    auto u = users_.find(common::scope_topic(c.app->id, *c.user));
    if (u != users_.end()) {
        std::erase(u->second, id);
        if (u->second.empty()) users_.erase(u);
    }
    c.user.reset();
}

bool PusherSessions::allow_client_event(PusherConnection& c) {
    std::uint64_t now = transport_.now_ms();
    if (now - c.rate_window_start_ms >= 1000) {
        c.rate_window_start_ms = now;
        c.events_in_window = 0;
    }
    return ++c.events_in_window <= c.app->limits.client_events_per_second;
}

void PusherSessions::client_event(net::ConnId id, PusherConnection& c,
                                  const codec::ClientMessage& m) {
    if (!c.app->limits.client_events)
        return send_error(id, err::kClientEventRejected,
                          "Client events are not enabled for this app");
    const PusherSubscription* s = c.find(m.channel);
    auto kind = codec::channel_kind(m.channel);
    if (!s || (kind != codec::ChannelKind::Private && kind != codec::ChannelKind::Presence))
        return send_error(id, err::kClientEventRejected,
                          "Client events need a subscribed private or presence channel");
    if (m.event.size() > codec::kMaxChannelNameBytes)
        return send_error(id, err::kClientEventRejected, "Event name too long");
    if (m.data_json.size() > c.app->limits.max_event_bytes)
        return send_error(id, err::kClientEventTooLarge, "Client event data over the size limit");
    if (!allow_client_event(c)) {
        hub_.counters().add(common::Counter::ClientEventsRateLimited);
        return send_error(id, err::kClientEventRateLimit,
                          "Client event rejected due to rate limit");
    }
    channel::Event e{s->topic, m.event, m.data_json, s->presence_user_id(), true};
    e.history = c.app->history.enabled_for(m.channel);
    codec::encode_event_json(out_, m.event, m.channel, m.data_json, s->presence_user_id());
    hub_.publish_client(e, kPusherProtocol, net::SharedFrame::make_text(out_), id);
    if (c.app->wants_webhook("client_event", m.channel)) {
        const SocketIdText sid = socket_id_of(id);
        hub_.hook_fact({channel::HookFactKind::ClientEvent, s->topic, m.event, m.data_json,
                        sid.view(), s->presence_user_id()});
    }
}

void PusherSessions::signin(net::ConnId id, PusherConnection& c, const codec::ClientMessage& m) {
    std::string user_id;
    if (!codec::verify_user_auth(c.app->key, c.app->secret, socket_id_of(id).view(), m.user_data,
                                 m.auth) ||
        !parser_.parse_user_id(m.user_data, user_id) || !codec::valid_user_id(user_id))
        return fail(id, err::kUnauthorized, "Invalid signin: bad signature or user data");
    if (c.user && *c.user != user_id)
        return fail(id, err::kUnauthorized, "Already signed in as another user");
    if (!c.user) {
        c.user = std::make_unique<std::string>(user_id);
        users_[common::scope_topic(c.app->id, user_id)].push_back(id);
        hub_.subscribe(
            common::scope_topic(c.app->id, std::string(codec::kServerToUserPrefix) + user_id), id,
            kPusherProtocol);
    }
    codec::encode_signin_success(out_, m.user_data);
    send_out(id);
}

std::size_t PusherSessions::terminate_user(const common::App& app, std::string_view user_id) {
    // Users are scoped like topics: terminating "u1" of one app leaves another app's "u1" alone.
    return hub_.terminate_user(common::scope_topic(app.id, user_id));
}

std::size_t PusherSessions::terminate_local_user(std::string_view user_id) {
    auto u = users_.find(std::string(user_id));
    if (u == users_.end()) return 0;
    std::vector<net::ConnId> ids = u->second;  // fail() does not erase, but stay independent
    for (net::ConnId id : ids)
        fail(id, err::kUnauthorized, "Connection terminated by the app");
    return ids.size();
}

PusherSessions::SocketIdText PusherSessions::socket_id_of(net::ConnId id) const noexcept {
    SocketIdText s;
    char* end = s.text + sizeof s.text;
    auto a = std::to_chars(s.text, end, socket_prefix_);
    *a.ptr++ = '.';
    auto b = std::to_chars(a.ptr, end, id);
    s.size = static_cast<std::uint8_t>(b.ptr - s.text);
    return s;
}

net::ConnId PusherSessions::conn_of_socket(std::string_view socket_id) const noexcept {
    std::size_t dot = socket_id.find('.');
    if (dot == std::string_view::npos) return 0;
    std::uint32_t prefix = 0;
    net::ConnId id = 0;
    auto a = std::from_chars(socket_id.data(), socket_id.data() + dot, prefix);
    auto b = std::from_chars(socket_id.data() + dot + 1, socket_id.data() + socket_id.size(), id);
    if (a.ec != std::errc{} || a.ptr != socket_id.data() + dot || b.ec != std::errc{} ||
        b.ptr != socket_id.data() + socket_id.size() || prefix != socket_prefix_)
        return 0;
    return conns_.contains(id) ? id : 0;
}

std::size_t PusherSessions::trigger(const common::App& app, std::string_view channel,
                                    std::string_view event, std::string_view data,
                                    std::string_view except_socket_id) {
    common::scope_topic(topic_, app.id, channel);
    channel::Event e{topic_, event, data, {}, false};
    e.history = app.history.enabled_for(channel);
    return hub_.publish_event(e, except_socket_id);
}

net::FrameRef PusherSessions::encode_event(const channel::Event& e) {
    // Another protocol's clients reach only public names: private-/presence- subscribers trust
    // what their auth admitted.
    const std::string_view channel = common::topic_name(e.topic);
    const codec::Position position{e.offset, e.epoch};
    if (e.from_client && e.origin == kPusherProtocol) {  // a sequenced event of our own client
        codec::encode_event_json(out_, e.name, channel, e.data, e.user_id, position);
        return net::SharedFrame::make_text(out_);
    }
    if (e.from_client &&
        !(codec::valid_channel_name(channel) && codec::accepts_foreign_client_events(channel)))
        return {};
    codec::encode_event_string(out_, e.name, channel, e.data, position);
    return net::SharedFrame::make_text(out_);
}

void PusherSessions::on_member_added(std::string_view topic, std::string_view user_id,
                                     std::string_view info_json, net::ConnId except) {
    if (hub_.local_topics().subscriber_count(topic) == 0) return;
    codec::encode_member_added(out_, scratch_, common::topic_name(topic), {user_id, info_json});
    hub_.deliver_local(topic, kPusherProtocol, net::SharedFrame::make_text(out_), except);
}

void PusherSessions::on_member_removed(std::string_view topic, std::string_view user_id) {
    if (hub_.local_topics().subscriber_count(topic) == 0) return;
    codec::encode_member_removed(out_, scratch_, common::topic_name(topic), user_id);
    hub_.deliver_local(topic, kPusherProtocol, net::SharedFrame::make_text(out_), channel::kNoConn);
}

ChannelInfo PusherSessions::channel_info(const common::App& app, std::string_view channel) const {
    return topic_info(common::scope_topic(app.id, channel));
}

ChannelInfo PusherSessions::topic_info(std::string_view topic) const {
    ChannelInfo info;
    info.subscription_count = hub_.subscription_count(topic);
    info.occupied = info.subscription_count > 0;
    info.user_count = hub_.presence().user_count(topic);
    return info;
}

void PusherSessions::send_out(net::ConnId id) {
    transport_.send(id, net::SharedFrame::make_text(out_));
}

void PusherSessions::send_error(net::ConnId id, std::uint16_t code, std::string_view message) {
    SHOAL_DEBUG("pusher: conn=%llu error %u: %.*s", static_cast<unsigned long long>(id), code,
                static_cast<int>(message.size()), message.data());
    codec::encode_error(out_, code, message);
    send_out(id);
}

void PusherSessions::fail(net::ConnId id, std::uint16_t code, std::string_view message) {
    send_error(id, code, message);
    if (PusherConnection* c = conns_.find(id)) c->closing = true;
    transport_.close(id, code, message);
}

void PusherSessions::subscription_error(net::ConnId id, std::string_view channel,
                                        std::string_view type, std::string_view error, int status) {
    codec::encode_subscription_error(out_, channel, type, error, status);
    send_out(id);
}

}  // namespace shoal::session
