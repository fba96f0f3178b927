// SPDX-License-Identifier: MIT
// POST events and batch_events: validate everything first (names, channels, sizes, socket ids),
// then trigger, so a bad request delivers nothing. 413 for data over the event size limit.
// Every string that reaches a frame is checked for UTF-8 after JSON decoding: raw bytes inside
// strings pass RapidJSON unchecked, and so does an escaped lone low surrogate ("\udc00").
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/utf8_validator.hpp"
#include "worker/codec/phoenix_message.hpp"
#include "worker/codec/pusher_channel_name.hpp"
#include "worker/codec/pusher_encode.hpp"
#include "worker/http_api/pusher_http_api.hpp"
#include "worker/http_api/pusher_http_routes.hpp"

namespace shoal::http_api::detail {
namespace {

struct Event {
    std::string_view name;
    std::string_view data;
    std::string_view socket_id;
    std::string_view info;
    std::vector<std::string_view> channels;
};

std::string_view str(const rapidjson::Value& obj, const char* key, bool& bad) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || it->value.IsNull()) return {};
    if (!it->value.IsString()) {
        bad = true;
        return {};
    }
    return {it->value.GetString(), it->value.GetStringLength()};
}

bool valid_socket_id(std::string_view s) noexcept {
    std::size_t dot = s.find('.');
    if (dot == 0 || dot == std::string_view::npos || dot + 1 == s.size() || s.size() > 40)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
    return true;
}

// Fills e from one event object; on failure returns the response to send.
bool read_event(const Route& r, const rapidjson::Value& v, bool batch, Event& e,
                net::HttpResponse& fail) {
    if (!v.IsObject()) return fail = error(400, "An event must be a JSON object"), false;
    bool bad = false;
    e.name = str(v, "name", bad);
    e.data = str(v, "data", bad);
    e.socket_id = str(v, "socket_id", bad);
    e.info = str(v, "info", bad);
    std::string_view one = str(v, "channel", bad);
    if (bad)
        return fail = error(400, "name, data, channel, socket_id and info must be strings"), false;
    if (!one.empty()) e.channels.push_back(one);
    if (!common::is_valid_utf8(e.name) || !common::is_valid_utf8(e.data) ||
        !common::is_valid_utf8(e.socket_id) || !common::is_valid_utf8(one))
        return fail = error(400, "name, data, channel and socket_id must be valid UTF-8"), false;
    auto many = v.FindMember("channels");
    if (!batch && many != v.MemberEnd()) {
        if (!many->value.IsArray()) return fail = error(400, "channels must be an array"), false;
        for (const auto& c : many->value.GetArray()) {
            if (!c.IsString()) return fail = error(400, "channels must hold strings"), false;
            e.channels.emplace_back(c.GetString(), c.GetStringLength());
            if (!common::is_valid_utf8(e.channels.back()))
                return fail = error(400, "channels must be valid UTF-8"), false;
        }
    }
    if (e.name.empty() || e.name.size() > kMaxEventNameBytes)
        return fail = error(400, "name must be 1-200 bytes"), false;
    if (e.channels.empty()) return fail = error(400, "No channel given"), false;
    if (e.channels.size() > r.app.limits.max_channels_per_event)
        return fail = error(400, "At most " + std::to_string(r.app.limits.max_channels_per_event) +
                                     " channels per event"),
               false;
    for (auto c : e.channels)
        if (!valid_trigger_channel(c)) return fail = error(400, "Invalid channel name"), false;
    if (e.data.size() > r.app.limits.max_event_bytes)
        return fail = error(413, "Event data over the size limit"), false;
    if (!e.socket_id.empty() && !valid_socket_id(e.socket_id))
        return fail = error(400, "Invalid socket_id"), false;
    return true;
}

bool wants(std::string_view info, std::string_view what) {
    while (!info.empty()) {
        std::size_t comma = info.find(',');
        if (info.substr(0, comma) == what) return true;
        if (comma == std::string_view::npos) break;
        info.remove_prefix(comma + 1);
    }
    return false;
}

void write_info(rapidjson::Writer<rapidjson::StringBuffer>& w, const Route& r,
                std::string_view channel, std::string_view info) {
    auto ci = r.sessions.channel_info(r.app, channel);
    w.StartObject();
    if (wants(info, "subscription_count")) {
        w.Key("subscription_count");
        w.Uint64(ci.subscription_count);
    }
    if (wants(info, "user_count") && codec::channel_kind(channel) == codec::ChannelKind::Presence) {
        w.Key("user_count");
        w.Uint64(ci.user_count);
    }
    w.EndObject();
}

void trigger(Route& r, const Event& e) {
    for (auto c : e.channels)
        r.sessions.trigger(r.app, c, e.name, e.data, e.socket_id);
}

}  // namespace

bool valid_trigger_channel(std::string_view name) noexcept {
    if (name.starts_with(codec::kServerToUserPrefix))
        return codec::valid_user_id(name.substr(codec::kServerToUserPrefix.size()));
    // One namespace: Phoenix topics ("room:lobby") are trigger targets too; '#' stays reserved.
    return codec::valid_channel_name(name) ||
           (!name.starts_with('#') && codec::is_valid_phoenix_topic(name));
}

net::HttpResponse events(Route& r) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(r.body.data(), r.body.size());
    if (doc.HasParseError()) return error(400, "Body is not valid JSON");
    Event e;
    net::HttpResponse fail;
    if (!read_event(r, doc, false, e, fail)) return fail;
    trigger(r, e);
    if (e.info.empty()) return ok("{}");
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("channels");
    w.StartObject();
    for (auto c : e.channels) {
        w.Key(c.data(), static_cast<rapidjson::SizeType>(c.size()));
        write_info(w, r, c, e.info);
    }
    w.EndObject();
    w.EndObject();
    return ok(buf.GetString());
}

net::HttpResponse batch_events(Route& r) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(r.body.data(), r.body.size());
    if (doc.HasParseError() || !doc.IsObject()) return error(400, "Body is not valid JSON");
    auto batch = doc.FindMember("batch");
    if (batch == doc.MemberEnd() || !batch->value.IsArray())
        return error(400, "batch must be an array");
    if (batch->value.Size() > kMaxBatchEvents) return error(400, "At most 10 events per batch");
    std::vector<Event> events(batch->value.Size());
    net::HttpResponse fail;
    bool any_info = false;
    for (rapidjson::SizeType i = 0; i < batch->value.Size(); ++i) {
        if (!read_event(r, batch->value[i], true, events[i], fail)) return fail;
        any_info = any_info || !events[i].info.empty();
    }
    for (const auto& e : events)
        trigger(r, e);
    if (!any_info) return ok("{}");
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("batch");
    w.StartArray();
    for (const auto& e : events)
        write_info(w, r, e.channels.front(), e.info);
    w.EndArray();
    w.EndObject();
    return ok(buf.GetString());
}

net::HttpResponse error(int status, std::string_view message) {
    net::HttpResponse res;
    res.status = status;
    res.body = "{\"error\":";
    codec::append_json_string(res.body, message);
    res.body.push_back('}');
    return res;
}

net::HttpResponse ok(std::string body) {
    net::HttpResponse res;
    res.body = std::move(body);
    return res;
}

}  // namespace shoal::http_api::detail
