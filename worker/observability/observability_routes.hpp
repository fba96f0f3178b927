// SPDX-License-Identifier: MIT
// The worker's observability routes: GET /metrics (Prometheus text, always), and with
// --dashboard GET /status (the `shoal status --json` snapshot) and GET /dashboard (the live
// status page). Whichever worker answers, the figures are the host's: they come from the bus
// segment's slot table (observability/host_status) and from this worker's host-wide channel
// replica. A standalone worker (no bus) reports itself as the one slot.
#pragma once

#include "shm_bus/observability/host_status.hpp"
#include "shm_bus/observability/prometheus_text.hpp"

#include <string>

#include "common/counters.hpp"
#include "shm_bus/segment.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/net/handler.hpp"
#include "worker/net/http_router.hpp"

namespace shoal::net {
class Server;
}

namespace shoal::worker {

class ObservabilityRoutes final : public net::RouteHandler {
  public:
    // segment: null for a standalone worker, whose own counters are `counters`.
    ObservabilityRoutes(const bus::Segment* segment, std::string bus_name,
                        const common::CounterBlock& counters, const net::Server& server,
                        const channel::ChannelHub& hub, bool dashboard);

    void add_to(net::HttpRouter& router);
    net::Reply on_request(net::ConnId id, const net::HttpRequest& request,
                          const net::RouteParams& params, net::HttpResponse& out) override;

    obs::ServerStatus status() const;
    obs::ChannelGauges channel_gauges() const;

  private:
    enum Tag : std::uint16_t { kMetrics, kStatus, kDashboard };
    const bus::Segment* segment_;
    std::string bus_name_;
    const common::CounterBlock& counters_;
    const net::Server& server_;
    const channel::ChannelHub& hub_;
    bool dashboard_;
};

}  // namespace shoal::worker
