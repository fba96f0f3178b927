// SPDX-License-Identifier: MIT
// Where Pusher sends "data" as a JSON-encoded string (connection_established, subscription and
// presence events) shoal does the same: some clients only accept that form.
#include "worker/codec/pusher_encode.hpp"

#include <charconv>

namespace shoal::codec {
namespace {

void append_uint(std::string& out, std::uint64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out.append(buf, end);
}

void open_event(std::string& out, std::string_view event) {
    out.clear();
    out.append("{\"event\":");
    append_json_string(out, event);
}

void add_channel(std::string& out, std::string_view channel) {
    out.append(",\"channel\":");
    append_json_string(out, channel);
}

void add_position(std::string& out, const Position& p) {
    if (p.offset == 0) return;
    out.append(",\"position\":{\"offset\":");
    append_uint(out, p.offset);
    out.append(",\"epoch\":");
    append_json_string(out, p.epoch);
    out.push_back('}');
}

// The history fields inside subscription_succeeded's data object (without braces).
void add_history_start(std::string& out, const HistoryStartInfo& h) {
    out.append("\"position\":{\"offset\":");
    append_uint(out, h.position.offset);
    out.append(",\"epoch\":");
    append_json_string(out, h.position.epoch);
    out.push_back('}');
    if (h.asked) out.append(h.recovered ? ",\"recovered\":true" : ",\"recovered\":false");
}

}  // namespace

void encode_connection_established(std::string& out, std::string_view socket_id,
                                   std::uint32_t activity_timeout_s) {
    open_event(out, "pusher:connection_established");
    out.append(",\"data\":\"{\\\"socket_id\\\":\\\"");
    out.append(socket_id);  // digits and one dot: nothing to escape
    out.append("\\\",\\\"activity_timeout\\\":");
    append_uint(out, activity_timeout_s);
    out.append("}\"}");
}

void encode_error(std::string& out, std::uint16_t code, std::string_view message) {
    open_event(out, "pusher:error");
    out.append(",\"data\":{\"code\":");
    append_uint(out, code);
    out.append(",\"message\":");
    append_json_string(out, message);
    out.append("}}");
}

void encode_ping(std::string& out) {
    out.assign("{\"event\":\"pusher:ping\",\"data\":\"{}\"}");
}

void encode_pong(std::string& out) {
    out.assign("{\"event\":\"pusher:pong\",\"data\":\"{}\"}");
}

void encode_subscription_succeeded(std::string& out, std::string_view channel,
                                   const HistoryStartInfo* history) {
    if (!history) {
        open_event(out, "pusher_internal:subscription_succeeded");
        add_channel(out, channel);
        out.append(",\"data\":\"{}\"}");
        return;
    }
    std::string data("{");
    add_history_start(data, *history);
    data.push_back('}');
    encode_event_string(out, "pusher_internal:subscription_succeeded", channel, data);
}

void encode_cache_miss(std::string& out, std::string_view channel) {
    open_event(out, "pusher:cache_miss");
    add_channel(out, channel);
    out.push_back('}');
}

void encode_subscription_error(std::string& out, std::string_view channel, std::string_view type,
                               std::string_view error, int status) {
    open_event(out, "pusher:subscription_error");
    add_channel(out, channel);
    out.append(",\"data\":{\"type\":");
    append_json_string(out, type);
    out.append(",\"error\":");
    append_json_string(out, error);
    out.append(",\"status\":");
    append_uint(out, static_cast<std::uint64_t>(status < 0 ? 0 : status));
    out.append("}}");
}

void encode_signin_success(std::string& out, std::string_view user_data) {
    open_event(out, "pusher:signin_success");
    out.append(",\"data\":{\"user_data\":");
    append_json_string(out, user_data);
    out.append("}}");
}

void encode_presence_succeeded(std::string& out, std::string& scratch, std::string_view channel,
                               std::span<const PresenceMember> members,
                               const HistoryStartInfo* history) {
    scratch.assign("{\"presence\":{\"ids\":[");
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i) scratch.push_back(',');
        append_json_string(scratch, members[i].user_id);
    }
    scratch.append("],\"hash\":{");
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i) scratch.push_back(',');
        append_json_string(scratch, members[i].user_id);
        scratch.push_back(':');
        scratch.append(members[i].user_info_json);
    }
    scratch.append("},\"count\":");
    append_uint(scratch, members.size());
    scratch.push_back('}');
    if (history) {
        scratch.push_back(',');
        add_history_start(scratch, *history);
    }
    scratch.push_back('}');
    encode_event_string(out, "pusher_internal:subscription_succeeded", channel, scratch);
}

void encode_member_added(std::string& out, std::string& scratch, std::string_view channel,
                         const PresenceMember& member) {
    scratch.assign("{\"user_id\":");
    append_json_string(scratch, member.user_id);
    scratch.append(",\"user_info\":");
    scratch.append(member.user_info_json);
    scratch.push_back('}');
    encode_event_string(out, "pusher_internal:member_added", channel, scratch);
}

void encode_member_removed(std::string& out, std::string& scratch, std::string_view channel,
                           std::string_view user_id) {
    scratch.assign("{\"user_id\":");
    append_json_string(scratch, user_id);
    scratch.push_back('}');
    encode_event_string(out, "pusher_internal:member_removed", channel, scratch);
}

void encode_event_json(std::string& out, std::string_view event, std::string_view channel,
                       std::string_view data_json, std::string_view user_id,
                       const Position& position) {
    open_event(out, event);
    add_channel(out, channel);
    out.append(",\"data\":");
    out.append(data_json);
    if (!user_id.empty()) {
        out.append(",\"user_id\":");
        append_json_string(out, user_id);
    }
    add_position(out, position);
    out.push_back('}');
}

void encode_event_string(std::string& out, std::string_view event, std::string_view channel,
                         std::string_view data, const Position& position) {
    open_event(out, event);
    add_channel(out, channel);
    out.append(",\"data\":");
    append_json_string(out, data);
    add_position(out, position);
    out.push_back('}');
}

}  // namespace shoal::codec
