// SPDX-License-Identifier: MIT
// The handlers behind PusherHttpApi's routes, called once the request's signature is verified.
#pragma once

#include <string_view>
#include <vector>

#include "common/apps/app.hpp"
#include "common/config.hpp"
#include "worker/codec/pusher_http_auth.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/pusher_sessions.hpp"

namespace shoal::http_api::detail {

struct Route {
    const common::Config& config;
    const common::App& app;  // the app the guard admitted
    session::PusherSessions& sessions;
    const std::vector<codec::QueryParam>& params;
    std::string_view body;
};

net::HttpResponse error(int status, std::string_view message);
net::HttpResponse ok(std::string body);

net::HttpResponse events(Route& r);
net::HttpResponse batch_events(Route& r);
net::HttpResponse channels(Route& r);
net::HttpResponse channel(Route& r, std::string_view name);
net::HttpResponse channel_users(Route& r, std::string_view name);
net::HttpResponse channel_history(Route& r, std::string_view name);
net::HttpResponse terminate(Route& r, std::string_view user_id);

// A channel an event may be triggered on: a valid name or "#server-to-user-{valid id}".
bool valid_trigger_channel(std::string_view name) noexcept;

}  // namespace shoal::http_api::detail
