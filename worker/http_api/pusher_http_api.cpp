// SPDX-License-Identifier: MIT
// Routing and signature checks for the Pusher HTTP API. The event bodies are handled in
// pusher_http_events.cpp, the channel queries in pusher_http_channels.cpp.
#include "worker/http_api/pusher_http_api.hpp"

#include "common/clock.hpp"
#include "common/log.hpp"
#include "worker/codec/pusher_http_auth.hpp"
#include "worker/http_api/pusher_http_routes.hpp"

namespace shoal::http_api {

std::int64_t system_wall_clock_s() {
    return static_cast<std::int64_t>(common::realtime_ns() / 1'000'000'000u);
}

PusherHttpApi::PusherHttpApi(const common::Config& config, session::PusherSessions& sessions,
                             WallClockS clock)
    : config_(config), sessions_(sessions), clock_(clock) {}

net::HttpResponse PusherHttpApi::handle(const net::HttpRequest& req) {
    std::string_view path = req.path;
    constexpr std::string_view kApps = "/apps/";
    if (!path.starts_with(kApps)) return detail::error(404, "Not found");
    path.remove_prefix(kApps.size());
    std::size_t slash = path.find('/');
    std::string_view app_id = path.substr(0, slash);
    if (app_id != config_.app.id || slash == std::string_view::npos)
        return detail::error(404, "Unknown app");
    std::string_view rest = path.substr(slash + 1);

    std::vector<codec::QueryParam> params;
    if (!codec::parse_query(req.query, params)) return detail::error(400, "Malformed query string");
    codec::HttpAuthInput in{req.method, req.path, &params, req.body};
    auto status = codec::verify_http_auth(in, config_.app.key, config_.app.secret, clock_());
    if (status != codec::HttpAuthStatus::Ok) {
        SHOAL_INFO("http api: 401 %.*s %.*s: %s", static_cast<int>(req.method.size()),
                   req.method.data(), static_cast<int>(req.path.size()), req.path.data(),
                   codec::http_auth_message(status));
        return detail::error(401, codec::http_auth_message(status));
    }

    detail::Route r{config_, sessions_, params, req.body};
    if (rest == "events")
        return req.method == "POST" ? detail::events(r) : detail::error(405, "Use POST");
    if (rest == "batch_events")
        return req.method == "POST" ? detail::batch_events(r) : detail::error(405, "Use POST");
    if (rest == "channels")
        return req.method == "GET" ? detail::channels(r) : detail::error(405, "Use GET");
    constexpr std::string_view kChannels = "channels/";
    if (rest.starts_with(kChannels)) {
        if (req.method != "GET") return detail::error(405, "Use GET");
        std::string_view name = rest.substr(kChannels.size());
        constexpr std::string_view kUsers = "/users";
        if (name.ends_with(kUsers))
            return detail::channel_users(r, name.substr(0, name.size() - kUsers.size()));
        return detail::channel(r, name);
    }
    constexpr std::string_view kUsersPrefix = "users/";
    constexpr std::string_view kTerminate = "/terminate_connections";
    if (rest.starts_with(kUsersPrefix) && rest.ends_with(kTerminate) &&
        rest.size() > kUsersPrefix.size() + kTerminate.size()) {
        if (req.method != "POST") return detail::error(405, "Use POST");
        std::string_view user =
            rest.substr(kUsersPrefix.size(), rest.size() - kUsersPrefix.size() - kTerminate.size());
        return detail::terminate(r, user);
    }
    return detail::error(404, "Not found");
}

}  // namespace shoal::http_api
