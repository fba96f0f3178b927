// SPDX-License-Identifier: MIT
// The API's routes and its one signature check. The event bodies are handled in
// pusher_http_events.cpp, the channel queries in pusher_http_channels.cpp.
#include "worker/http_api/pusher_http_api.hpp"

#include "common/clock.hpp"
#include "common/log.hpp"
#include "worker/http_api/pusher_http_routes.hpp"

namespace shoal::http_api {

std::int64_t system_wall_clock_s() {
    return static_cast<std::int64_t>(common::realtime_ns() / 1'000'000'000u);
}

PusherHttpApi::PusherHttpApi(const common::Config& config, session::PusherSessions& sessions,
                             WallClockS clock)
    : config_(config), sessions_(sessions), clock_(clock) {}

void PusherHttpApi::add_to(net::HttpRouter& router) {
    router.add_guard("/apps/{app_id}", *this);
    router.add("POST", "/apps/{app_id}/events", *this, kEvents);
    router.add("POST", "/apps/{app_id}/batch_events", *this, kBatchEvents);
    router.add("GET", "/apps/{app_id}/channels", *this, kChannels);
    // {channel...}: a Phoenix topic may hold '/', and "/users" ends the users route first.
    router.add("GET", "/apps/{app_id}/channels/{channel...}/users", *this, kUsers);
    router.add("GET", "/apps/{app_id}/channels/{channel...}/history", *this, kHistory);
    router.add("GET", "/apps/{app_id}/channels/{channel...}", *this, kChannel);
    router.add("POST", "/apps/{app_id}/users/{user_id}/terminate_connections", *this, kTerminate);
}

bool PusherHttpApi::admit(const net::HttpRequest& req, const net::RouteParams& params,
                          net::HttpResponse& out) {
    // "/apps/{id}" with nothing after it names no endpoint of a known app either.
    const std::string_view app_id = params.get("app_id");
    app_ = sessions_.apps().find_id(app_id);
    if (!app_ || app_id.data() + app_id.size() == req.path.data() + req.path.size()) {
        out = detail::error(404, "Unknown app");
        return false;
    }
    query_.clear();
    if (!codec::parse_query(req.query, query_)) {
        out = detail::error(400, "Malformed query string");
        return false;
    }
    codec::HttpAuthInput in{req.method, req.path, &query_, req.body};
    const std::int64_t now_s = clock_();
    auto status = codec::verify_http_auth(in, app_->key, app_->secret, now_s);
    if (status != codec::HttpAuthStatus::Ok) {
        // Anyone can send these at will: counted each, logged within a budget.
        sessions_.counters().add(common::Counter::HttpAuthFailures);
        std::uint64_t dropped = 0;
        const bool log = auth_log_.allow(static_cast<std::uint64_t>(now_s) * 1000, dropped);
        if (dropped > 0)
            SHOAL_INFO("http api: %llu 401s not logged", static_cast<unsigned long long>(dropped));
        if (log)
            SHOAL_INFO("http api: 401 %.*s %.*s: %s", static_cast<int>(req.method.size()),
                       req.method.data(), static_cast<int>(req.path.size()), req.path.data(),
                       codec::http_auth_message(status));
        out = detail::error(401, codec::http_auth_message(status));
        return false;
    }
    if (!app_->enabled) {  // checked after the signature: who may learn that an app is disabled
        out = detail::error(403, "Application disabled");
        return false;
    }
    return true;
}

net::Reply PusherHttpApi::on_request(net::ConnId, const net::HttpRequest& req,
                                     const net::RouteParams& params, net::HttpResponse& out) {
    detail::Route r{config_, *app_, sessions_, query_, req.body};
    switch (params.route) {
        case kEvents:
            out = detail::events(r);
            break;
        case kBatchEvents:
            out = detail::batch_events(r);
            break;
        case kChannels:
            out = detail::channels(r);
            break;
        case kChannel:
            out = detail::channel(r, params.get("channel"));
            break;
        case kUsers:
            out = detail::channel_users(r, params.get("channel"));
            break;
        case kHistory:
            out = detail::channel_history(r, params.get("channel"));
            break;
        case kTerminate:
            out = detail::terminate(r, params.get("user_id"));
            break;
        default:
            out = detail::error(404, "Not found");
            break;
    }
    return net::Reply::Now;
}

}  // namespace shoal::http_api
