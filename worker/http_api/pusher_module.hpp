// SPDX-License-Identifier: MIT
// The Pusher protocol as a module: its sessions (the adapter on the channel hub, tag
// kPusherProtocol), its WebSocket route /app/{key...} and its HTTP API routes /apps/{app_id}/...
#pragma once

#include <cstdint>

#include "common/config.hpp"
#include "worker/channel/protocol_module.hpp"
#include "worker/http_api/pusher_http_api.hpp"
#include "worker/session/pusher_sessions.hpp"
#include "worker/session/pusher_ws_handler.hpp"

namespace shoal::http_api {

class PusherModule final : public channel::ProtocolModule {
  public:
    // socket_prefix 0 picks a random one (socket ids stay unguessable across restarts).
    PusherModule(channel::ChannelHub& hub, const common::Config& config,
                 channel::AppDirectory& apps, std::uint32_t socket_prefix, WallClockS clock);

    std::string_view name() const noexcept override { return "pusher"; }
    channel::ProtocolTag tag() const noexcept override { return session::kPusherProtocol; }
    void add_routes(net::HttpRouter& router) override;

    session::PusherSessions& sessions() noexcept { return sessions_; }

  private:
    session::PusherSessions sessions_;
    session::PusherWsHandler ws_;
    PusherHttpApi api_;
};

}  // namespace shoal::http_api
