// SPDX-License-Identifier: MIT
// Connection lifecycle, frame dispatch, join/leave and client pushes, answered as Phoenix answers
// them (Phoenix.Socket / Phoenix.Channel.Server). Presence is in phoenix_presence_session.cpp.
#include "worker/session/phoenix_sessions.hpp"

#include <vector>

#include "common/log.hpp"
#include "worker/codec/json_text.hpp"
#include "worker/codec/phoenix_join_since.hpp"
#include "worker/codec/phoenix_presence.hpp"
#include "worker/codec/pusher_errors.hpp"
#include "worker/codec/pusher_http_auth.hpp"
#include "worker/codec/topic_policy.hpp"

namespace shoal::session {
namespace {

constexpr std::string_view kOkEmpty = "{}";
constexpr std::uint16_t kCloseUnsupportedData = 1003;
constexpr std::uint16_t kCloseTooBig = 1009;
constexpr std::uint16_t kClosePolicy = 1008;

// Topics a connect token guards: Phoenix's own private:/presence: and the names Pusher guards
// (one namespace: a Phoenix member of "private-x" would see what Pusher signs for).
bool needs_token(std::string_view topic) noexcept {
    return codec::topic_access(topic) == codec::TopicAccess::Guarded;
}

}  // namespace

PhoenixSessions::PhoenixSessions(const common::Config& config, channel::ChannelHub& hub,
                                 channel::AppDirectory& apps, WallClockS clock)
    : config_(config),
      hub_(hub),
      apps_(apps),
      transport_(hub.transport()),
      clock_(clock),
      codec_(config.limits.max_message_bytes) {
    hub_.add_adapter(kPhoenixProtocol, *this);
}

void PhoenixSessions::open(net::ConnId id, std::string_view query) {
    PhoenixConnection& c = conns_[id];
    hub_.counters().add(common::Counter::PhoenixConnectionsOpened);
    std::vector<codec::QueryParam> params;
    const std::string* token = nullptr;
    const std::string* key = nullptr;
    if (codec::parse_query(query, params)) {
        token = codec::find_param(params, "token");
        key = codec::find_param(params, "app");
    }
    const common::App* app = key ? apps_.find_key(*key) : &apps_.default_app();
    auto admission = apps_.admit(app, id, kPhoenixProtocol);
    if (admission != channel::Admission::Admitted) return refuse(id, c, admission);
    c.app = app;
    if (token) c.token = codec::verify_phoenix_token(*token, app->secret, clock_(), c.identity);
    if (token && c.token != codec::TokenStatus::Ok)
        SHOAL_DEBUG("phoenix: conn=%llu token refused: %s", static_cast<unsigned long long>(id),
                    codec::token_status_text(c.token));
}

const common::App* PhoenixSessions::app_of_query(std::string_view query) const {
    std::vector<codec::QueryParam> params;
    const std::string* key = nullptr;
    if (codec::parse_query(query, params)) key = codec::find_param(params, "app");
    return key ? apps_.find_key(*key) : &apps_.default_app();
}

void PhoenixSessions::refuse(net::ConnId id, PhoenixConnection& c, channel::Admission why) {
    namespace err = codec::pusher_error;
    c.closing = true;
    switch (why) {
        case channel::Admission::Admitted:
            c.closing = false;
            return;
        case channel::Admission::UnknownApp:
            return transport_.close(id, err::kAppNotFound, "unknown app");
        case channel::Admission::Disabled:
            return transport_.close(id, err::kAppDisabled, "app disabled");
        case channel::Admission::OverQuota:
            return transport_.close(id, err::kOverQuota, "app over connection quota");
    }
}

void PhoenixSessions::apps_replaced() {
    std::vector<std::pair<net::ConnId, channel::Admission>> refused;
    for (auto& [id, c] : conns_) {
        if (!c.app || c.closing) continue;
        const common::App* now = apps_.moved(*c.app, id, kPhoenixProtocol);
        c.app = now;
        if (!now)
            refused.emplace_back(id, channel::Admission::UnknownApp);
        else if (!now->enabled)
            refused.emplace_back(id, channel::Admission::Disabled);
    }
    // Outside the loop: a close may come back into closed(), which erases from conns_.
    for (auto [id, why] : refused)
        refuse(id, conns_[id], why);
}

void PhoenixSessions::message(net::ConnId id, std::string_view text) {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.closing || !it->second.app) return;
    PhoenixConnection& c = it->second;
    codec::PhoenixMessage m;
    auto status = codec_.parse(text, m);
    if (status != codec::PhoenixParseStatus::Ok) {
        // Phoenix's serializer raises on such a frame and the socket process exits: close it.
        c.closing = true;
        transport_.close(
            id,
            status == codec::PhoenixParseStatus::TooLarge ? kCloseTooBig : kCloseUnsupportedData,
            codec::phoenix_parse_status_text(status));
        return;
    }
    if (m.topic == "phoenix" && m.event == "heartbeat") {
        codec::PhoenixMessage hb = m;
        hb.join_ref.reset();
        return reply(id, hb, "ok", kOkEmpty);
    }
    if (m.event == "phx_join") return join(id, c, m);
    if (m.event == "phx_leave") return leave(id, c, m);
    if (!c.find(m.topic)) return reply_error(id, m, phoenix_reason::kUnmatchedTopic);
    client_push(id, c, m);
}

void PhoenixSessions::idle(net::ConnId id) {
    // phoenix.js heartbeats every 30 s; a silent socket gets a WebSocket ping before the
    // transport's grace period closes it.
    transport_.send(id, net::SharedFrame::make_ping({}));
}

void PhoenixSessions::closed(net::ConnId id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    hub_.counters().add(common::Counter::PhoenixConnectionsClosed);
    PhoenixConnection& c = it->second;
    while (!c.joins.empty())
        drop_join(id, c, std::string(common::topic_name(c.joins.back().topic)));
    if (c.app) apps_.release(*c.app, id);
    conns_.erase(it);
}

std::string_view PhoenixSessions::join_refusal(const PhoenixConnection& c,
                                               std::string_view topic) const {
    if (codec::topic_access(topic) == codec::TopicAccess::Reserved)
        return phoenix_reason::kUnauthorized;  // Pusher's #server-to-user-*
    if (needs_token(topic) && (c.token != codec::TokenStatus::Ok || c.identity.exp <= clock_()))
        return phoenix_reason::kUnauthorized;
    if (c.joins.size() >= config_.limits.max_channels_per_connection)
        return phoenix_reason::kTooManyTopics;
    if (topic.starts_with("presence:")) {
        const common::AppLimits& limits = c.app->limits;
        if (c.identity.user_info.size() > limits.max_presence_member_bytes)
            return phoenix_reason::kPayloadTooLarge;
        const channel::PresenceReplica& presence = hub_.presence();
        const std::string scoped = common::scope_topic(c.app->id, topic);
        if (!presence.find(scoped, c.identity.user_id) &&
            presence.user_count(scoped) >= limits.max_presence_members)
            return phoenix_reason::kPresenceFull;
    }
    return {};
}

void PhoenixSessions::join(net::ConnId id, PhoenixConnection& c, const codec::PhoenixMessage& m) {
    if (PhoenixJoin* old = c.find(m.topic)) {
        // Phoenix: "Duplicate channel join ... Closing existing channel for new join."
        std::optional<std::string_view> old_ref;
        if (old->join_ref) old_ref = *old->join_ref;
        send_view(id, codec_.encode_message(old_ref, old_ref, m.topic, "phx_close", kOkEmpty));
        drop_join(id, c, m.topic);
    }
    if (auto why = join_refusal(c, m.topic); !why.empty()) return reply_error(id, m, why);
    PhoenixJoin j;
    j.topic = common::scope_topic(c.app->id, m.topic);
    if (m.join_ref) j.join_ref.emplace(*m.join_ref);
    j.presence = m.topic.starts_with("presence:");
    const common::HistorySettings& h = c.app->history;
    if (!hub_.history() || !h.enabled_for(m.topic)) {
        hub_.subscribe(j.topic, id, kPhoenixProtocol);
        c.joins.push_back(std::move(j));
        reply(id, m, "ok", kOkEmpty);
    } else {
        codec::JoinPosition since;
        const codec::JoinSince asked = codec::parse_join_since(m.payload, since);
        if (asked == codec::JoinSince::Malformed)
            return reply_error(id, m, phoenix_reason::kBadSince);
        channel::RecoverFrom from;
        if (asked == codec::JoinSince::Present) {
            from = {true, since.offset, 0};
            if (!channel::parse_epoch(since.epoch, from.epoch)) from.epoch = 0;
        }
        const channel::StreamStart start =
            hub_.start_history(j.topic, id, kPhoenixProtocol, from, {h.events, h.seconds});
        const std::string topic = j.topic;
        c.joins.push_back(std::move(j));
        // The reply says where live delivery starts; the missed messages follow it, before any
        // live message (docs/history.md).
        scratch_.assign("{\"position\":{\"offset\":");
        scratch_ += std::to_string(start.position);
        scratch_ += ",\"epoch\":\"";
        scratch_ += start.epoch.view();
        scratch_ += "\"}";
        if (from.asked)
            scratch_ += start.recovered ? ",\"recovered\":true" : ",\"recovered\":false";
        scratch_ += '}';
        reply(id, m, "ok", scratch_);
        hub_.send_recovered(topic, id, kPhoenixProtocol);
    }
    if (c.joins.back().presence) track(id, c, c.joins.back());
}

void PhoenixSessions::leave(net::ConnId id, PhoenixConnection& c, const codec::PhoenixMessage& m) {
    reply(id, m, "ok", kOkEmpty);
    PhoenixJoin* j = c.find(m.topic);
    if (!j) return;  // Phoenix answers a leave of a topic not joined with ok, and nothing else
    std::optional<std::string_view> ref;
    if (j->join_ref) ref = *j->join_ref;
    send_view(id, codec_.encode_message(ref, ref, m.topic, "phx_close", kOkEmpty));
    drop_join(id, c, m.topic);
}

void PhoenixSessions::drop_join(net::ConnId id, PhoenixConnection& c, std::string_view topic) {
    for (std::size_t i = 0; i < c.joins.size(); ++i) {
        if (common::topic_name(c.joins[i].topic) != topic) continue;
        PhoenixJoin j = std::move(c.joins[i]);
        c.joins.erase(c.joins.begin() + static_cast<std::ptrdiff_t>(i));
        hub_.unsubscribe(j.topic, id);
        if (j.presence) untrack(id, c, j.topic);
        return;
    }
}

bool PhoenixSessions::allow_push(PhoenixConnection& c) {
    std::uint64_t now = transport_.now_ms();
    if (now - c.rate_window_start_ms >= 1000) {
        c.rate_window_start_ms = now;
        c.pushes_in_window = 0;
    }
    return ++c.pushes_in_window <= c.app->limits.client_events_per_second;
}

bool PhoenixSessions::push_denied(std::string_view topic) const noexcept {
    for (const auto& p : config_.phoenix_deny_push_prefixes)
        if (topic.starts_with(p)) return true;
    return false;
}

void PhoenixSessions::client_push(net::ConnId id, PhoenixConnection& c,
                                  const codec::PhoenixMessage& m) {
    // A push is relayed to the topic's other members: the app's client events switch governs it.
    if (!c.app->limits.client_events || push_denied(m.topic))
        return reply_error(id, m, phoenix_reason::kPushNotAllowed);
    if (m.payload.size() > c.app->limits.max_event_bytes)
        return reply_error(id, m, phoenix_reason::kPayloadTooLarge);
    if (!allow_push(c)) {
        hub_.counters().add(common::Counter::ClientEventsRateLimited);
        return reply_error(id, m, phoenix_reason::kRateLimited);
    }
    reply(id, m, "ok", kOkEmpty);
    publish_push(id, c, m);
}

void PhoenixSessions::publish_push(net::ConnId id, PhoenixConnection& c,
                                   const codec::PhoenixMessage& m) {
    auto own = net::SharedFrame::make_text(
        codec_.encode_message(std::nullopt, std::nullopt, m.topic, m.event, m.payload));
    const PhoenixJoin* j = c.find(m.topic);
    channel::Event e{j->topic, m.event, m.payload, {}, true};
    e.history = c.app->history.enabled_for(m.topic);
    hub_.publish_client(e, kPhoenixProtocol, std::move(own), id);
}

net::FrameRef PhoenixSessions::encode_event(const channel::Event& e) {
    // Encoded whether or not this worker has Phoenix members: the same bytes travel to the
    // other workers, and the hub does not know which protocols subscribe there.
    const std::string_view name = common::topic_name(e.topic);
    if (codec::topic_access(name) == codec::TopicAccess::Reserved ||
        !codec::is_valid_phoenix_topic(name))
        return {};
    // A sequenced push of our own client is rendered as its publisher would have.
    if (e.from_client && e.origin != kPhoenixProtocol &&
        !codec::accepts_foreign_client_events(name))
        return {};
    payload_.clear();
    codec::append_json_or_string(payload_, e.data);
    // A history channel's position travels as the message's ref, "<epoch>:<offset>": phoenix.js
    // hands it to the handler (on(event, (payload, ref) => ...)) and matches replies only on
    // phx_reply, so the payload stays the publisher's own.
    std::optional<std::string_view> ref;
    if (e.offset != 0) {
        position_.assign(e.epoch);
        position_ += ':';
        position_ += std::to_string(e.offset);
        ref = position_;
    }
    return net::SharedFrame::make_text(
        codec_.encode_message(std::nullopt, ref, name, e.name, payload_));
}

std::size_t PhoenixSessions::member_count(std::string_view topic) const noexcept {
    return hub_.local_topics().subscriber_count(topic);
}

std::size_t PhoenixSessions::terminate_local_user(std::string_view user_id) {
    std::vector<net::ConnId> ids;  // closed after the walk: a close may reach on_close at once
    for (auto& [id, c] : conns_) {
        // user_id is scoped by app, as topics are.
        if (c.closing || !c.app || c.token != codec::TokenStatus::Ok ||
            common::topic_app(user_id) != c.app->id ||
            common::topic_name(user_id) != c.identity.user_id)
            continue;
        c.closing = true;
        ids.push_back(id);
    }
    for (net::ConnId id : ids)
        transport_.close(id, kClosePolicy, "terminated by the app");
    return ids.size();
}

void PhoenixSessions::reply(net::ConnId id, const codec::PhoenixMessage& m, std::string_view status,
                            std::string_view response_json) {
    send_view(id, codec_.encode_reply(m.join_ref, m.ref, m.topic, status, response_json));
}

void PhoenixSessions::reply_error(net::ConnId id, const codec::PhoenixMessage& m,
                                  std::string_view reason) {
    SHOAL_DEBUG("phoenix: conn=%llu %.*s refused: %.*s", static_cast<unsigned long long>(id),
                static_cast<int>(m.event.size()), m.event.data(), static_cast<int>(reason.size()),
                reason.data());
    scratch_.assign("{\"reason\":");
    codec::append_json_string(scratch_, reason);
    scratch_ += '}';
    reply(id, m, "error", scratch_);
}

void PhoenixSessions::send_view(net::ConnId id, std::string_view frame_text) {
    transport_.send(id, net::SharedFrame::make_text(frame_text));
}

}  // namespace shoal::session
