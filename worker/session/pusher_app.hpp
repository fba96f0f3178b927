// SPDX-License-Identifier: MIT
// PusherApp: the worker's protocol layer behind the transport seam. WebSockets on /app/{key} speak
// Pusher protocol 7 (PusherSessions); other HTTP requests go to the Pusher HTTP API.
#pragma once

#include <cstdint>

#include "common/config.hpp"
#include "worker/http_api/pusher_http_api.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/pusher_sessions.hpp"

namespace shoal::session {

class PusherApp final : public net::WsHandler, public net::HttpHandler {
  public:
    // socket_prefix 0 picks a random one (socket ids stay unguessable across restarts).
    PusherApp(const common::Config& config, net::Transport& transport,
              std::uint32_t socket_prefix = 0,
              http_api::WallClockS clock = &http_api::system_wall_clock_s);
    // Shares the worker's channel hub (the bus endpoint and other protocol adapters plug in).
    PusherApp(const common::Config& config, channel::ChannelHub& hub, std::uint32_t socket_prefix,
              http_api::WallClockS clock = &http_api::system_wall_clock_s);

    net::UpgradeDecision on_upgrade(const net::HttpRequest& request) override;
    void on_open(net::ConnId id, const net::HttpRequest& request) override;
    void on_text(net::ConnId id, std::string_view message) override;
    void on_idle(net::ConnId id) override;
    void on_close(net::ConnId id) override;
    std::uint32_t idle_timeout_ms() const override;
    std::uint16_t overload_close_code() const override;  // Pusher 4100: over capacity, back off
    void on_shutdown(net::ConnId id) override;           // pusher:error 4200: reconnect now

    net::HttpResponse on_request(const net::HttpRequest& request) override;

    PusherSessions& sessions() noexcept { return sessions_; }

  private:
    const common::Config& config_;
    PusherSessions sessions_;
    http_api::PusherHttpApi api_;
};

}  // namespace shoal::session
