// SPDX-License-Identifier: MIT
// The health checks as ordinary routes: GET / (the process answers) and GET /ready (503 once the
// server is draining, so a load balancer stops sending). Any other method is 405 and closes.
#pragma once

#include "worker/net/handler.hpp"
#include "worker/net/http_router.hpp"

namespace shoal::net {

class Server;

class HealthRoute final : public RouteHandler {
  public:
    explicit HealthRoute(const Server& server) : server_(server) {}
    // Registers GET / and GET /ready (every method, so the 405 is this one's).
    void add_to(HttpRouter& router);

    Reply on_request(ConnId id, const HttpRequest& request, const RouteParams& params,
                     HttpResponse& out) override;

  private:
    enum Tag : std::uint16_t { kRoot, kReady };
    const Server& server_;
};

}  // namespace shoal::net
