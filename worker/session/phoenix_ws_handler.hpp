// SPDX-License-Identifier: MIT
// The WsHandler of the route /socket/websocket: Phoenix Channels v2 over PhoenixSessions. Only the
// v2 JSON serializer is spoken, so an upgrade without vsn=2.x is refused with 400.
#pragma once

#include <cstdint>

#include "common/config.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/phoenix_sessions.hpp"

namespace shoal::session {

inline constexpr std::string_view kPhoenixSocketPath = "/socket/websocket";

class PhoenixWsHandler final : public net::WsHandler {
  public:
    PhoenixWsHandler(const common::Config& config, PhoenixSessions& sessions)
        : config_(config), sessions_(sessions) {}

    net::UpgradeDecision on_upgrade(const net::HttpRequest& request) override;
    void on_open(net::ConnId id, const net::HttpRequest& request) override;
    void on_text(net::ConnId id, std::string_view message) override;
    void on_idle(net::ConnId id) override;
    void on_close(net::ConnId id) override;
    // The heartbeat deadline is the Pusher activity timeout, as it was when one handler served
    // both protocols; the transport's 1001 on shutdown makes phoenix.js reconnect.
    std::uint32_t idle_timeout_ms() const override;
    std::uint16_t overload_close_code() const override;

  private:
    const common::Config& config_;
    PhoenixSessions& sessions_;
};

}  // namespace shoal::session
