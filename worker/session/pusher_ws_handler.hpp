// SPDX-License-Identifier: MIT
// The WsHandler of the route /app/{key...}: Pusher protocol 7 over PusherSessions, with Pusher's
// close codes for the transport's overload (4100) and drain (pusher:error 4200).
#pragma once

#include <cstdint>

#include "common/config.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/pusher_sessions.hpp"

namespace shoal::session {

inline constexpr std::string_view kPusherSocketPattern = "/app/{key...}";

class PusherWsHandler final : public net::WsHandler {
  public:
    PusherWsHandler(const common::Config& config, PusherSessions& sessions)
        : config_(config), sessions_(sessions) {}

    // Any key is accepted here: Pusher answers an unknown key over the socket (pusher:error 4001).
    // A browser Origin the key's app does not allow is refused with 403.
    net::UpgradeDecision on_upgrade(const net::HttpRequest& request) override;
    void on_open(net::ConnId id, const net::HttpRequest& request) override;
    void on_text(net::ConnId id, std::string_view message) override;
    void on_idle(net::ConnId id) override;
    void on_close(net::ConnId id) override;
    std::uint32_t idle_timeout_ms() const override;
    std::uint16_t overload_close_code() const override;  // Pusher 4100: over capacity, back off
    void on_shutdown(net::ConnId id) override;           // pusher:error 4200: reconnect now

  private:
    const common::Config& config_;
    PusherSessions& sessions_;
};

}  // namespace shoal::session
