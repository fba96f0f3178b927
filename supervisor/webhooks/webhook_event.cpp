// SPDX-License-Identifier: MIT
// RapidJSON's writer does the escaping, so a channel, user id or event data holding quotes,
// control characters or non-ASCII text is still one valid JSON string.
#include "supervisor/webhooks/webhook_event.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace shoal::webhooks {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void field(Writer& w, const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

}  // namespace

std::string_view kind_name(EventKind k) noexcept {
    switch (k) {
        case EventKind::ChannelOccupied:
            return "channel_occupied";
        case EventKind::ChannelVacated:
            return "channel_vacated";
        case EventKind::MemberAdded:
            return "member_added";
        case EventKind::MemberRemoved:
            return "member_removed";
        case EventKind::ClientEvent:
            return "client_event";
        case EventKind::CacheMiss:
            return "cache_miss";
    }
    return "unknown";
}

void append_event_json(std::string& out, const Event& e) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    field(w, "name", kind_name(e.kind));
    field(w, "channel", e.channel);
    switch (e.kind) {
        case EventKind::MemberAdded:
        case EventKind::MemberRemoved:
            field(w, "user_id", e.user_id);
            break;
        case EventKind::ClientEvent:
            field(w, "event", e.event);
            field(w, "data", e.data);
            field(w, "socket_id", e.socket_id);
            if (!e.user_id.empty()) field(w, "user_id", e.user_id);  // presence channels only
            break;
        default:
            break;
    }
    w.EndObject();
    out.append(buf.GetString(), buf.GetSize());
}

std::string make_body(std::uint64_t time_ms, std::string_view events_json) {
    std::string body = "{\"time_ms\":" + std::to_string(time_ms) + ",\"events\":[";
    body.reserve(body.size() + events_json.size() + 2);
    body.append(events_json);
    body.append("]}");
    return body;
}

}  // namespace shoal::webhooks
