// SPDX-License-Identifier: MIT
// The worker's WsHandler/HttpHandler: WebSockets on /app/{key} speak Pusher (PusherApp), on
// /socket/websocket?vsn=2.0.0 Phoenix Channels v2 (PhoenixSessions); HTTP goes to the Pusher
// HTTP API. One namespace: both adapters publish through the same channel hub.
#pragma once

#include <cstdint>
#include <unordered_set>

#include "common/config.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/phoenix_sessions.hpp"
#include "worker/session/pusher_app.hpp"

namespace shoal::session {

inline constexpr std::string_view kPhoenixSocketPath = "/socket/websocket";

class ProtocolRouter final : public net::WsHandler, public net::HttpHandler {
  public:
    // Both adapters share the worker's channel hub (and through it the bus), so a name is one
    // topic whichever protocol its members speak.
    ProtocolRouter(const common::Config& config, channel::ChannelHub& hub,
                   std::uint32_t socket_prefix = 0,
                   http_api::WallClockS clock = &http_api::system_wall_clock_s);

    net::UpgradeDecision on_upgrade(const net::HttpRequest& request) override;
    void on_open(net::ConnId id, const net::HttpRequest& request) override;
    void on_text(net::ConnId id, std::string_view message) override;
    void on_idle(net::ConnId id) override;
    void on_close(net::ConnId id) override;
    std::uint32_t idle_timeout_ms() const override { return pusher_.idle_timeout_ms(); }
    std::uint16_t overload_close_code() const override { return pusher_.overload_close_code(); }
    void on_shutdown(net::ConnId id) override;

    net::HttpResponse on_request(const net::HttpRequest& request) override;

    PusherApp& pusher() noexcept { return pusher_; }
    PhoenixSessions& phoenix() noexcept { return phoenix_; }

  private:
    bool is_phoenix(net::ConnId id) const { return phoenix_conns_.contains(id); }

    PusherApp pusher_;
    PhoenixSessions phoenix_;
    std::unordered_set<net::ConnId> phoenix_conns_;
};

}  // namespace shoal::session
