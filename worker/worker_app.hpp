// SPDX-License-Identifier: MIT
// WorkerApp: the worker's route table and its protocol registry. Each protocol is one module
// (channel/protocol_module.hpp) registered on the worker's channel hub, so a name is one topic
// whichever protocol its members speak: Pusher (/app/{key...} and the HTTP API /apps/...) and
// Phoenix (/socket/websocket). The health routes need the server and are added by run_worker.
#pragma once

#include <cstdint>

#include "common/apps/app.hpp"
#include "common/config.hpp"
#include "worker/channel/app_directory.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/channel/protocol_module.hpp"
#include "worker/http_api/pusher_module.hpp"
#include "worker/net/http_router.hpp"
#include "worker/protocols/sse/sse_module.hpp"
#include "worker/session/phoenix_module.hpp"

namespace shoal::worker {

class WorkerApp {
  public:
    // socket_prefix 0 picks a random one (socket ids stay unguessable across restarts). Without
    // an AppSet the server has the one app of the --app-* flags.
    WorkerApp(const common::Config& config, channel::ChannelHub& hub, common::AppSet apps,
              std::uint32_t socket_prefix = 0,
              http_api::WallClockS clock = &http_api::system_wall_clock_s);
    WorkerApp(const common::Config& config, channel::ChannelHub& hub,
              std::uint32_t socket_prefix = 0,
              http_api::WallClockS clock = &http_api::system_wall_clock_s);
    WorkerApp(const WorkerApp&) = delete;
    WorkerApp& operator=(const WorkerApp&) = delete;

    net::HttpRouter& router() noexcept { return router_; }
    // Tests register further protocols here (a module's routes go after the built-in ones).
    channel::ProtocolRegistry& protocols() noexcept { return protocols_; }
    session::PusherSessions& pusher() noexcept { return pusher_->sessions(); }
    session::PhoenixSessions& phoenix() noexcept { return phoenix_->sessions(); }
    channel::AppDirectory& apps() noexcept { return apps_; }

    // A reloaded apps file: new apps start, connections move to their app's new settings, those
    // of removed (4001) or disabled (4003) apps are closed. Nothing else is dropped.
    void replace_apps(common::AppSet next);

  private:
    channel::AppDirectory apps_;  // before the modules, which keep a reference
    net::HttpRouter router_;
    channel::ProtocolRegistry protocols_;
    http_api::PusherModule* pusher_;
    session::PhoenixModule* phoenix_;
    sse::SseModule* sse_;
};

}  // namespace shoal::worker
