// SPDX-License-Identifier: MIT
// GET channels, channel, channel users, and POST terminate_connections. The answers cover this
// worker's connections; host-wide counts come with the bus.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "worker/codec/phoenix_message.hpp"
#include "worker/codec/pusher_channel_name.hpp"
#include "worker/http_api/pusher_http_routes.hpp"

namespace shoal::http_api::detail {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct InfoWanted {
    bool user_count = false;
    bool subscription_count = false;
    bool unknown = false;
};

InfoWanted parse_info(const Route& r) {
    InfoWanted w;
    const std::string* info = codec::find_param(r.params, "info");
    if (!info) return w;
    std::string_view rest = *info;
    while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        if (item == "user_count")
            w.user_count = true;
        else if (item == "subscription_count")
            w.subscription_count = true;
        else if (!item.empty())
            w.unknown = true;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return w;
}

void key(Writer& w, std::string_view k) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

}  // namespace

net::HttpResponse channels(Route& r) {
    InfoWanted want = parse_info(r);
    if (want.unknown) return error(400, "info may hold user_count and subscription_count");
    const std::string* prefix_param = codec::find_param(r.params, "filter_by_prefix");
    std::string_view prefix = prefix_param ? std::string_view(*prefix_param) : std::string_view{};
    if (want.user_count && !prefix.starts_with("presence-"))
        return error(400, "user_count needs filter_by_prefix=presence-");
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    key(w, "channels");
    w.StartObject();
    r.sessions.for_each_channel(r.app, prefix,
                                [&](std::string_view name, const session::ChannelInfo& ci) {
                                    key(w, name);
                                    w.StartObject();
                                    if (want.user_count) {
                                        key(w, "user_count");
                                        w.Uint64(ci.user_count);
                                    }
                                    if (want.subscription_count) {
                                        key(w, "subscription_count");
                                        w.Uint64(ci.subscription_count);
                                    }
                                    w.EndObject();
                                });
    w.EndObject();
    w.EndObject();
    return ok(buf.GetString());
}

namespace {

// One namespace: Phoenix topics are queried like Pusher channels, presence:* like presence-*.
bool queryable(std::string_view name) noexcept {
    return codec::valid_channel_name(name) ||
           (!name.starts_with('#') && codec::is_valid_phoenix_topic(name));
}
bool is_presence(std::string_view name) noexcept {
    return codec::channel_kind(name) == codec::ChannelKind::Presence ||
           name.starts_with("presence:");
}

}  // namespace

net::HttpResponse channel(Route& r, std::string_view name) {
    if (!queryable(name)) return error(400, "Invalid channel name");
    InfoWanted want = parse_info(r);
    if (want.unknown) return error(400, "info may hold user_count and subscription_count");
    bool presence = is_presence(name);
    if (want.user_count && !presence) return error(400, "user_count is for presence channels only");
    auto ci = r.sessions.channel_info(r.app, name);
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    key(w, "occupied");
    w.Bool(ci.occupied);
    if (want.subscription_count) {
        key(w, "subscription_count");
        w.Uint64(ci.subscription_count);
    }
    if (want.user_count) {
        key(w, "user_count");
        w.Uint64(ci.user_count);
    }
    w.EndObject();
    return ok(buf.GetString());
}

net::HttpResponse channel_users(Route& r, std::string_view name) {
    if (!queryable(name)) return error(400, "Invalid channel name");
    if (!is_presence(name)) return error(400, "Users are listed for presence channels only");
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    key(w, "users");
    w.StartArray();
    r.sessions.for_each_user(r.app, name, [&](std::string_view id) {
        w.StartObject();
        key(w, "id");
        w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
        w.EndObject();
    });
    w.EndArray();
    w.EndObject();
    return ok(buf.GetString());
}

net::HttpResponse terminate(Route& r, std::string_view user_id) {
    if (!codec::valid_user_id(user_id)) return error(400, "Invalid user id");
    r.sessions.terminate_user(r.app, user_id);
    return ok("{}");
}

}  // namespace shoal::http_api::detail
