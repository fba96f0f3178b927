// SPDX-License-Identifier: MIT
// The Pusher HTTP API on the WebSocket port, as routes of the worker's route table: POST
// /apps/{app_id}/events and /batch_events, GET /apps/{app_id}/channels, /channels/{channel},
// /channels/{channel}/users, POST /apps/{app_id}/users/{user_id}/terminate_connections. A guard
// on /apps/{app_id} checks the app and the signature (as Pusher signs) once, before any of them;
// answers are real HTTP statuses with a JSON body ({"error": "..."} on failure).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/log_limiter.hpp"
#include "worker/codec/pusher_http_auth.hpp"
#include "worker/net/handler.hpp"
#include "worker/net/http_router.hpp"
#include "worker/session/pusher_sessions.hpp"

namespace shoal::http_api {

inline constexpr std::size_t kMaxBatchEvents = 10;
inline constexpr std::size_t kMaxEventNameBytes = 200;

// Seconds since the Unix epoch; injectable so tests can sign at a fixed time.
using WallClockS = std::int64_t (*)();
std::int64_t system_wall_clock_s();

class PusherHttpApi final : public net::RouteGuard, public net::RouteHandler {
  public:
    PusherHttpApi(const common::Config& config, session::PusherSessions& sessions,
                  WallClockS clock = &system_wall_clock_s);

    // Registers the guard and the six routes.
    void add_to(net::HttpRouter& router);

    // RouteGuard: 404 "Unknown app", 400 for a malformed query, 401 for a bad signature (with
    // that app's secret), 403 for a disabled app. Each
    // 401 counts http_auth_failures_total; at most kAuthLogsPerSecond are logged a second (of
    // the wall clock given), then one line says how many were not.
    bool admit(const net::HttpRequest& request, const net::RouteParams& params,
               net::HttpResponse& out) override;
    // RouteHandler: the endpoint the route's tag names (every answer is immediate).
    net::Reply on_request(net::ConnId id, const net::HttpRequest& request,
                          const net::RouteParams& params, net::HttpResponse& out) override;

    static constexpr std::uint32_t kAuthLogsPerSecond = 20;

  private:
    enum Tag : std::uint16_t {
        kEvents,
        kBatchEvents,
        kChannels,
        kChannel,
        kUsers,
        kHistory,
        kTerminate
    };
    const common::Config& config_;
    session::PusherSessions& sessions_;
    WallClockS clock_;
    // The admitted request's query, parsed once by admit() for the handler that follows (one
    // request at a time on the loop).
    std::vector<codec::QueryParam> query_;
    const common::App* app_ = nullptr;  // the admitted request's app, likewise
    common::LogLimiter auth_log_{kAuthLogsPerSecond};
};

}  // namespace shoal::http_api
