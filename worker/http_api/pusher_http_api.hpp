// SPDX-License-Identifier: MIT
// The Pusher HTTP API on the WebSocket port: POST /apps/{id}/events and /batch_events, GET
// /apps/{id}/channels, /channels/{name}, /channels/{name}/users, POST
// /apps/{id}/users/{user_id}/terminate_connections. Every request is signed as Pusher signs it;
// answers are real HTTP statuses with a JSON body ({"error": "..."} on failure).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/config.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/pusher_sessions.hpp"

namespace shoal::http_api {

inline constexpr std::size_t kMaxTriggerChannels = 100;
inline constexpr std::size_t kMaxBatchEvents = 10;
inline constexpr std::size_t kMaxEventNameBytes = 200;

// Seconds since the Unix epoch; injectable so tests can sign at a fixed time.
using WallClockS = std::int64_t (*)();
std::int64_t system_wall_clock_s();

class PusherHttpApi {
  public:
    PusherHttpApi(const common::Config& config, session::PusherSessions& sessions,
                  WallClockS clock = &system_wall_clock_s);

    net::HttpResponse handle(const net::HttpRequest& request);

  private:
    const common::Config& config_;
    session::PusherSessions& sessions_;
    WallClockS clock_;
};

}  // namespace shoal::http_api
