// SPDX-License-Identifier: MIT
#include "worker/protocols/sse/sse_sessions.hpp"

#include <algorithm>

#include "common/apps/app_topic.hpp"
#include "worker/codec/json_text.hpp"
#include "worker/codec/pusher_signature.hpp"
#include "worker/codec/topic_policy.hpp"

namespace shoal::sse {
namespace {

constexpr std::size_t kMaxTopicBytes = 200;

bool valid_topic(std::string_view t) noexcept {
    if (t.empty() || t.size() > kMaxTopicBytes) return false;
    for (unsigned char c : t)
        if (c <= ' ' || c == 0x7F) return false;
    return codec::topic_access(t) != codec::TopicAccess::Reserved;
}

void error(net::HttpResponse& out, int status, std::string_view message) {
    out.status = status;
    out.headers = "Access-Control-Allow-Origin: *\r\n";
    out.body = "{\"error\":";
    codec::append_json_string(out.body, message);
    out.body += '}';
}

std::string_view header(const net::HttpRequest& r, std::string_view name) {
    for (const net::Header& h : r.headers)
        if (h.name.size() == name.size() &&
            std::equal(h.name.begin(), h.name.end(), name.begin(),
                       [](char a, char b) { return (a | 0x20) == (b | 0x20); }))
            return h.value;
    return {};
}

}  // namespace

SseSessions::SseSessions(channel::ChannelHub& hub, const common::Config& config,
                         channel::AppDirectory& apps)
    : hub_(hub), config_(config), apps_(apps), transport_(hub.transport()) {
    hub_.add_adapter(kTag, *this);
    history_on_ = transport_.attach_virtual(net::virtual_kind::kSseHistory, *this);
    transport_.add_ticker(*this);
}

bool SseSessions::refuse(const common::App& app, const StreamQuery& q, net::HttpResponse& out) {
    if (q.channels.size() > config_.limits.max_channels_per_connection) {
        error(out, 400, "too many channels");
        return true;
    }
    for (const ChannelRequest& c : q.channels) {
        if (!valid_topic(c.channel)) {
            error(out, 400, "invalid channel name");
            return true;
        }
        if (codec::topic_access(c.channel) != codec::TopicAccess::Guarded) continue;
        if (!valid_socket_id(q.socket_id) ||
            !codec::verify_channel_auth(app.key, app.secret, q.socket_id, c.channel, c.channel_data,
                                        c.auth)) {
            error(out, 401, "invalid signature");
            return true;
        }
        codec::PresenceData p;
        if (!codec::is_presence_topic(c.channel)) continue;
        if (!parser_.parse_channel_data(c.channel_data, p) || p.user_id.empty()) {
            error(out, 400, "presence channel_data needs a user_id");
            return true;
        }
        // The limits of a Pusher presence subscription, with HTTP answers.
        if (p.user_info_json.size() > app.limits.max_presence_member_bytes) {
            error(out, 413, "user_info over the size limit");
            return true;
        }
        const channel::PresenceReplica& presence = hub_.presence();
        const std::string topic = common::scope_topic(app.id, c.channel);
        if (presence.find(topic, p.user_id) == nullptr &&
            presence.user_count(topic) >= app.limits.max_presence_members) {
            error(out, 403, "presence channel is full");
            return true;
        }
    }
    return false;
}

net::Reply SseSessions::on_request(net::ConnId id, const net::HttpRequest& request,
                                   const net::RouteParams& params, net::HttpResponse& out) {
    const common::App* app = apps_.find_key(params.get("key"));
    if (!app) {
        error(out, 404, "Unknown app key");
        return net::Reply::Now;
    }
    StreamQuery q;
    switch (parse_stream_query(request.query, q)) {
        case QueryError::None:
            break;
        case QueryError::NoChannel:
            error(out, 400, "no channel");
            return net::Reply::Now;
        case QueryError::Malformed:
        case QueryError::AuthWithoutChannel:
            error(out, 400, "malformed query");
            return net::Reply::Now;
    }
    if (refuse(*app, q, out)) return net::Reply::Now;
    switch (apps_.admit(app, id, kTag)) {
        case channel::Admission::Admitted:
        case channel::Admission::UnknownApp:
            break;
        case channel::Admission::Disabled:
            error(out, 403, "app disabled");
            return net::Reply::Now;
        case channel::Admission::OverQuota:
            error(out, 429, "app over connection quota");
            return net::Reply::Now;
    }
    std::string_view last = header(request, "Last-Event-ID");
    if (last.empty()) last = q.last_event_id;
    // Any origin may read public streams, and private ones carry their own signatures; no
    // cookies are involved. no-transform keeps proxies from buffering or compressing events.
    transport_.begin_stream(id, 200, "text/event-stream",
                            "Access-Control-Allow-Origin: *\r\n"
                            "Cache-Control: no-cache, no-transform\r\nX-Accel-Buffering: no\r\n");
    open_stream(id, *app, q, last);
    return net::Reply::Streaming;
}

void SseSessions::open_stream(net::ConnId id, const common::App& app, const StreamQuery& q,
                              std::string_view last_event_id) {
    Stream& s = streams_[id];
    s.app = &app;
    transport_.stream_write(id, encode_preamble(kRetryMs, "shoal sse"));
    for (const ChannelRequest& c : q.channels) {
        std::string topic = common::scope_topic(app.id, c.channel);
        if (std::find(s.topics.begin(), s.topics.end(), topic) == s.topics.end())
            s.topics.push_back(std::move(topic));
    }
    // Missed events first, then live ones: nothing is delivered between the two (one loop turn).
    // History channels' events carry "<epoch>:<offset>" ids, which this worker-local replay
    // never matches; they recover from the host's store instead.
    if (const std::uint64_t numeric = parse_event_id(last_event_id)) replay(id, s.topics, numeric);
    start_history_topics(id, app, s.topics, last_event_id);
    for (const std::string& t : s.topics) {
        if (!hub_.history() || !app.history.enabled_for(common::topic_name(t)))
            hub_.subscribe(t, id, kTag);
        retain_history(t);
    }
    for (const ChannelRequest& c : q.channels) {
        codec::PresenceData p;
        std::string topic = common::scope_topic(app.id, c.channel);
        if (!codec::is_presence_topic(c.channel) ||
            std::any_of(s.presence.begin(), s.presence.end(),
                        [&](const auto& j) { return j.first == topic; }) ||
            !parser_.parse_channel_data(c.channel_data, p))
            continue;
        hub_.join(topic, p.user_id, p.user_info_json, id);
        s.presence.emplace_back(std::move(topic), p.user_id);
    }
}

void SseSessions::start_history_topics(net::ConnId id, const common::App& app,
                                       const std::vector<std::string>& topics,
                                       std::string_view last_event_id) {
    if (!hub_.history()) return;
    const auto keeps = [&](const std::string& t) {
        return app.history.enabled_for(common::topic_name(t));
    };
    const auto count = std::count_if(topics.begin(), topics.end(), keeps);
    if (count == 0) return;
    // One Last-Event-ID names one position: it resumes a stream of exactly one history channel.
    // Otherwise a resuming stream starts at the seam and is told it was not recovered, rather
    // than served events it may already have.
    channel::RecoverFrom resume;
    std::string_view epoch;
    const bool asked = !last_event_id.empty();
    if (asked && count == 1 && parse_history_id(last_event_id, epoch, resume.offset)) {
        resume.asked = true;
        if (!channel::parse_epoch(epoch, resume.epoch)) resume.epoch = 0;
    }
    for (const std::string& t : topics) {
        if (!keeps(t)) continue;
        const channel::StreamStart start =
            hub_.start_history(t, id, kTag, resume, {app.history.events, app.history.seconds});
        encode_history_chunk(scratch_, common::topic_name(t), start.position, start.epoch.view(),
                             asked, resume.asked && start.recovered);
        transport_.send(id, net::SharedFrame::make_raw(scratch_));
        hub_.send_recovered(t, id, kTag);
    }
}

void SseSessions::replay(net::ConnId id, const std::vector<std::string>& topics,
                         std::uint64_t after) {
    std::vector<std::pair<std::uint64_t, net::FrameRef>> missed;
    for (const std::string& t : topics) {
        auto it = history_.find(t);
        if (it == history_.end()) continue;
        for (const net::FrameRef& f : it->second.frames) {
            const std::uint64_t eid = event_id_of(f->wire());
            if (eid > after) missed.emplace_back(eid, f);
        }
    }
    std::sort(missed.begin(), missed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [eid, f] : missed)
        transport_.send(id, f);
}

void SseSessions::retain_history(const std::string& topic) {
    if (!history_on_) return;
    History& h = history_[topic];
    if (h.streams++ == 0 && h.subscriber == 0) {
        h.subscriber = net::make_virtual_id(net::virtual_kind::kSseHistory, next_history_id_++);
        history_topic_[h.subscriber] = topic;
        hub_.subscribe(topic, h.subscriber, kTag);
    }
}

void SseSessions::release_history(const std::string& topic) {
    auto it = history_.find(topic);
    if (it == history_.end() || it->second.streams == 0) return;
    if (--it->second.streams == 0) it->second.idle_since_ms = transport_.now_ms();
}

void SseSessions::send(net::ConnId id, net::FrameRef frame) {
    auto t = history_topic_.find(id);
    if (t == history_topic_.end()) return;
    auto h = history_.find(t->second);
    if (h == history_.end()) return;
    h->second.frames.push_back(std::move(frame));
    if (h->second.frames.size() > kHistoryPerTopic) h->second.frames.pop_front();
}

void SseSessions::apps_replaced() {
    std::vector<net::ConnId> ended;
    for (auto& [id, s] : streams_) {
        if (!s.app) continue;
        s.app = apps_.moved(*s.app, id, kTag);
        if (!s.app || !s.app->enabled) ended.push_back(id);
    }
    for (net::ConnId id : ended) {
        drop_stream(id);
        transport_.end_stream(id);
    }
}

void SseSessions::on_abandoned(net::ConnId id) {
    drop_stream(id);
}

void SseSessions::drop_stream(net::ConnId id) {
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    Stream s = std::move(it->second);
    streams_.erase(it);
    if (s.app) apps_.release(*s.app, id);
    for (const auto& [topic, user] : s.presence)
        hub_.leave(topic, user, id);
    for (const std::string& t : s.topics) {
        hub_.unsubscribe(t, id);
        release_history(t);
    }
}

void SseSessions::on_tick(std::uint64_t now_ms) {
    if (now_ms - last_keepalive_ms_ >= kKeepAliveMs) {
        last_keepalive_ms_ = now_ms;
        if (!streams_.empty()) {
            // One frame shared by every stream, like an event.
            encode_comment_chunk(scratch_, "keep-alive");
            net::FrameRef ping = net::SharedFrame::make_raw(scratch_);
            for (const auto& [id, s] : streams_)
                transport_.send(id, ping);
        }
    }
    for (auto it = history_.begin(); it != history_.end();) {
        History& h = it->second;
        if (h.streams == 0 && now_ms - h.idle_since_ms >= kHistoryLingerMs) {
            hub_.unsubscribe(it->first, h.subscriber);
            history_topic_.erase(h.subscriber);
            it = history_.erase(it);
        } else {
            ++it;
        }
    }
}

std::uint64_t SseSessions::next_event_id() noexcept {
    // Unique on the host (the slot in the low 6 bits), increasing on this worker, and ordered
    // by time across workers to the millisecond (the loop clock is the host's monotonic one).
    const std::uint64_t by_time = transport_.now_ms() << 16;
    std::uint64_t id = std::max(by_time, (last_event_id_ | 63u) + 1) & ~std::uint64_t{63};
    if (id <= last_event_id_) id += 64;
    last_event_id_ = id | (hub_.slot() & 63u);
    return last_event_id_;
}

net::FrameRef SseSessions::encode(std::string_view topic, std::string_view name,
                                  std::string_view data) {
    encode_event_chunk(scratch_, next_event_id(), common::topic_name(topic), name, data);
    return net::SharedFrame::make_raw(scratch_);
}

net::FrameRef SseSessions::encode_event(const channel::Event& e) {
    const std::string_view name = common::topic_name(e.topic);
    if (!valid_topic(name)) return {};
    // Client events: public topics, as for every protocol, and Pusher's private-/presence-
    // channels too: a stream on one proved the same Pusher channel signature the publishing
    // Pusher client did (Pusher client events exist only there).
    if (e.from_client && !codec::accepts_foreign_client_events(name) &&
        !name.starts_with("private-") && !name.starts_with("presence-"))
        return {};
    if (e.offset != 0) {
        encode_event_chunk(scratch_, e.epoch, e.offset, name, e.name, e.data);
        return net::SharedFrame::make_raw(scratch_);
    }
    return encode(e.topic, e.name, e.data);
}

void SseSessions::on_member_added(std::string_view topic, std::string_view user_id,
                                  std::string_view info_json, channel::ConnId except) {
    if (hub_.local_topics().subscriber_count(topic) == 0) return;
    std::string data = "{\"user_id\":";
    codec::append_json_string(data, user_id);
    data += ",\"user_info\":";
    data += info_json.empty() ? std::string_view("null") : info_json;
    data += '}';
    hub_.deliver_local(topic, kTag, encode(topic, "pusher_internal:member_added", data), except);
}

void SseSessions::on_member_removed(std::string_view topic, std::string_view user_id) {
    if (hub_.local_topics().subscriber_count(topic) == 0) return;
    std::string data = "{\"user_id\":";
    codec::append_json_string(data, user_id);
    data += '}';
    hub_.deliver_local(topic, kTag, encode(topic, "pusher_internal:member_removed", data),
                       channel::kNoConn);
}

}  // namespace shoal::sse
