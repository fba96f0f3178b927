// SPDX-License-Identifier: MIT
#include "worker/protocols/rawjson/rawjson_sessions.hpp"

#include <algorithm>

#include "common/apps/app_topic.hpp"
#include "worker/codec/topic_policy.hpp"

namespace shoal::rawjson {

namespace {
constexpr std::uint16_t kCloseTooBig = 1009;
constexpr std::uint16_t kCloseUnsupported = 1003;
}  // namespace

RawJsonSessions::RawJsonSessions(channel::ChannelHub& hub, std::string app_id)
    : hub_(hub), app_id_(std::move(app_id)) {
    hub_.add_adapter(kTag, *this);
}

const std::string& RawJsonSessions::scoped(std::string_view topic) {
    common::scope_topic(scoped_, app_id_, topic);
    return scoped_;
}

bool RawJsonSessions::topic_allowed(std::string_view topic) noexcept {
    return topic.size() <= 200 && codec::topic_access(topic) == codec::TopicAccess::Public;
}

net::UpgradeDecision RawJsonSessions::on_upgrade(const net::HttpRequest&) {
    return {true, 404};
}

void RawJsonSessions::on_open(net::ConnId id, const net::HttpRequest&) {
    topics_[id];
}

void RawJsonSessions::on_text(net::ConnId id, std::string_view message) {
    if (message.size() > kMaxMessageBytes)
        return hub_.transport().close(id, kCloseTooBig, "message too large");
    ClientMessage m;
    if (!codec_.parse(message, m)) return send(id, codec_.encode_error(kBadMessage));
    if (!topic_allowed(m.topic)) return send(id, codec_.encode_error(kTopicNotAllowed));
    switch (m.op) {
        case Op::Subscribe:
            return subscribe(id, m.topic);
        case Op::Unsubscribe:
            return unsubscribe(id, m.topic);
        case Op::Publish:
            return publish(id, m);
    }
}

void RawJsonSessions::subscribe(net::ConnId id, std::string_view topic) {
    auto& mine = topics_[id];
    if (std::find(mine.begin(), mine.end(), topic) == mine.end()) {
        if (mine.size() >= kMaxTopicsPerConnection)
            return send(id, codec_.encode_error(kTopicNotAllowed));
        mine.emplace_back(topic);
        hub_.subscribe(scoped(topic), id, kTag);
    }
    send(id, codec_.encode_subscribed(topic));
}

void RawJsonSessions::unsubscribe(net::ConnId id, std::string_view topic) {
    auto& mine = topics_[id];
    auto it = std::find(mine.begin(), mine.end(), topic);
    if (it == mine.end()) return send(id, codec_.encode_error(kNotSubscribed));
    hub_.unsubscribe(scoped(*it), id);
    mine.erase(it);
}

void RawJsonSessions::publish(net::ConnId id, const ClientMessage& m) {
    auto& mine = topics_[id];
    if (std::find(mine.begin(), mine.end(), m.topic) == mine.end())
        return send(id, codec_.encode_error(kNotSubscribed));
    // The message's views live in the codec's parse buffers, which encoding does not touch.
    auto own = net::SharedFrame::make_text(codec_.encode_event(m.topic, m.event, m.data));
    hub_.publish_client(channel::Event{scoped(m.topic), m.event, m.data, {}, true}, kTag,
                        std::move(own), id);
}

net::FrameRef RawJsonSessions::encode_event(const channel::Event& e) {
    const std::string_view name = common::topic_name(e.topic);
    if (!topic_allowed(name)) return {};
    return net::SharedFrame::make_text(codec_.encode_event(name, e.name, e.data));
}

void RawJsonSessions::on_binary(net::ConnId id, std::string_view) {
    hub_.transport().close(id, kCloseUnsupported, "text messages only");
}

void RawJsonSessions::on_idle(net::ConnId id) {
    // No heartbeat in this protocol: the transport's ping keeps the connection; nothing to send.
    (void)id;
}

void RawJsonSessions::on_close(net::ConnId id) {
    auto it = topics_.find(id);
    if (it == topics_.end()) return;
    for (const std::string& t : it->second)
        hub_.unsubscribe(scoped(t), id);
    topics_.erase(it);
}

void RawJsonSessions::send(net::ConnId id, std::string_view text) {
    hub_.transport().send(id, net::SharedFrame::make_text(text));
}

}  // namespace shoal::rawjson
