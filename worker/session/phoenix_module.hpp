// SPDX-License-Identifier: MIT
// The Phoenix Channels v2 protocol as a module: its sessions (the adapter on the channel hub, tag
// kPhoenixProtocol) and its WebSocket route /socket/websocket.
#pragma once

#include "common/config.hpp"
#include "worker/channel/protocol_module.hpp"
#include "worker/session/phoenix_sessions.hpp"
#include "worker/session/phoenix_ws_handler.hpp"

namespace shoal::session {

class PhoenixModule final : public channel::ProtocolModule {
  public:
    PhoenixModule(channel::ChannelHub& hub, const common::Config& config,
                  channel::AppDirectory& apps, PhoenixSessions::WallClockS clock)
        : sessions_(config, hub, apps, clock), ws_(config, sessions_) {}

    std::string_view name() const noexcept override { return "phoenix"; }
    channel::ProtocolTag tag() const noexcept override { return kPhoenixProtocol; }
    void add_routes(net::HttpRouter& router) override {
        router.add_upgrade(kPhoenixSocketPath, ws_);
    }

    PhoenixSessions& sessions() noexcept { return sessions_; }

  private:
    PhoenixSessions sessions_;
    PhoenixWsHandler ws_;
};

}  // namespace shoal::session
