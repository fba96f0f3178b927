// SPDX-License-Identifier: MIT
// GET /apps/{id}/channels/{name}/history?since=&limit=: a history channel's events from the
// host's store (docs/history.md), for a backend that fills a gap itself or inspects a channel.
#include <charconv>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "worker/codec/pusher_channel_name.hpp"
#include "worker/http_api/pusher_http_routes.hpp"

namespace shoal::http_api::detail {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// An absent parameter keeps `out`; a present one must be a whole decimal number.
bool uint_param(const Route& r, std::string_view key, std::uint64_t& out) {
    const std::string* v = codec::find_param(r.params, key);
    if (!v) return true;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    return ec == std::errc{} && end == v->data() + v->size() && !v->empty();
}

void string_field(Writer& w, const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

}  // namespace

net::HttpResponse channel_history(Route& r, std::string_view name) {
    if (name.empty() || name.size() > codec::kMaxChannelNameBytes)
        return error(400, "Invalid channel name");
    const std::uint32_t window = r.app.history.events;
    std::uint64_t since = 0;
    std::uint64_t limit = window;
    if (!uint_param(r, "since", since)) return error(400, "since must be an offset (0 or more)");
    if (!uint_param(r, "limit", limit) || limit == 0)
        return error(400, "limit must be a number from 1");
    channel::HistoryRead read;
    if (!r.sessions.read_history(r.app, name, since,
                                 static_cast<std::uint32_t>(std::min<std::uint64_t>(limit, window)),
                                 read))
        return error(404, "This channel keeps no history");
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    const channel::EpochText epoch = channel::epoch_text(read.epoch);
    string_field(w, "epoch", epoch.view());
    w.Key("latest");
    w.Uint64(read.latest);
    w.Key("complete");
    w.Bool(read.complete);
    w.Key("events");
    w.StartArray();
    for (const channel::StoredEvent& e : read.events) {
        w.StartObject();
        w.Key("offset");
        w.Uint64(e.offset);
        string_field(w, "name", e.name);
        string_field(w, "data", e.data);
        w.Key("time_ms");
        w.Uint64(e.time_ms);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return ok(buf.GetString());
}

}  // namespace shoal::http_api::detail
