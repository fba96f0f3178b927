// SPDX-License-Identifier: MIT
// WorkerApp: the worker's protocol layer and its route table. Pusher (/app/{key...}) and Phoenix
// (/socket/websocket) WebSockets and the Pusher HTTP API (/apps/{app_id}/...) share the worker's
// channel hub, so a name is one topic whichever protocol its members speak. The health routes
// need the server and are added by run_worker.
#pragma once

#include <cstdint>

#include "common/config.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/http_api/pusher_http_api.hpp"
#include "worker/net/http_router.hpp"
#include "worker/session/phoenix_sessions.hpp"
#include "worker/session/phoenix_ws_handler.hpp"
#include "worker/session/pusher_sessions.hpp"
#include "worker/session/pusher_ws_handler.hpp"

namespace shoal::worker {

class WorkerApp {
  public:
    // socket_prefix 0 picks a random one (socket ids stay unguessable across restarts).
    WorkerApp(const common::Config& config, channel::ChannelHub& hub,
              std::uint32_t socket_prefix = 0,
              http_api::WallClockS clock = &http_api::system_wall_clock_s);
    WorkerApp(const WorkerApp&) = delete;
    WorkerApp& operator=(const WorkerApp&) = delete;

    net::HttpRouter& router() noexcept { return router_; }
    session::PusherSessions& pusher() noexcept { return pusher_; }
    session::PhoenixSessions& phoenix() noexcept { return phoenix_; }

  private:
    session::PusherSessions pusher_;
    session::PhoenixSessions phoenix_;
    session::PusherWsHandler pusher_ws_;
    session::PhoenixWsHandler phoenix_ws_;
    http_api::PusherHttpApi api_;
    net::HttpRouter router_;
};

}  // namespace shoal::worker
