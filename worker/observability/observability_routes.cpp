// SPDX-License-Identifier: MIT
// Each answer reads the slot table afresh (a few microseconds per slot, plus /proc per worker):
// scrapes and dashboard polls are rare, and nothing here touches the fan-out path.
#include "worker/observability/observability_routes.hpp"

#include <unistd.h>

#include "common/apps/app_topic.hpp"
#include "common/clock.hpp"
#include "shm_bus/observability/dashboard_page.hpp"
#include "shm_bus/observability/process_stats.hpp"
#include "shm_bus/observability/status_json.hpp"
#include "worker/net/server.hpp"

namespace shoal::worker {

ObservabilityRoutes::ObservabilityRoutes(const bus::Segment* segment, std::string bus_name,
                                         const common::CounterBlock& counters,
                                         const net::Server& server, const channel::ChannelHub& hub,
                                         bool dashboard)
    : segment_(segment),
      bus_name_(std::move(bus_name)),
      counters_(counters),
      server_(server),
      hub_(hub),
      dashboard_(dashboard) {}

void ObservabilityRoutes::add_to(net::HttpRouter& router) {
    router.add("GET", "/metrics", *this, kMetrics);
    if (!dashboard_) return;
    router.add("GET", "/status", *this, kStatus);
    router.add("GET", "/dashboard", *this, kDashboard, true);
}

obs::ServerStatus ObservabilityRoutes::status() const {
    const std::uint64_t now = common::monotonic_ns();
    if (segment_) return obs::snapshot(*segment_, bus_name_, now);
    // A standalone worker: itself as slot 0.
    obs::ServerStatus st;
    st.bus = bus_name_;
    st.supervisor_pid = static_cast<std::uint64_t>(::getpid());
    st.supervisor_alive = true;
    obs::SlotStatus s;
    s.pid = static_cast<std::uint32_t>(::getpid());
    s.state = "running";
    s.breaker = "closed";
    s.epoch = 1;
    s.connections = server_.connection_count();
    s.counters = common::read_all(counters_);
    s.messages_in = s.counters[static_cast<std::size_t>(common::Counter::BusRecordsIn)];
    s.messages_out = s.counters[static_cast<std::size_t>(common::Counter::BusRecordsOut)];
    const obs::ProcStats ps = obs::read_proc_stats(s.pid);
    s.proc_ok = ps.ok;
    s.rss_bytes = ps.rss_bytes;
    s.cpu_seconds = ps.cpu_seconds;
    st.connections = s.connections;
    st.totals = s.counters;
    st.slots.push_back(std::move(s));
    return st;
}

obs::ChannelGauges ObservabilityRoutes::channel_gauges() const {
    obs::ChannelGauges g;
    hub_.for_each_topic([&](std::string_view topic, std::size_t subscribers) {
        if (!common::is_channel_topic(topic)) return;  // an app's connection count
        ++g.channels;
        g.subscriptions += subscribers;
        g.presence_members += hub_.presence().user_count(topic);
    });
    return g;
}

net::Reply ObservabilityRoutes::on_request(net::ConnId, const net::HttpRequest&,
                                           const net::RouteParams& params, net::HttpResponse& out) {
    out.headers = "Cache-Control: no-store\r\n";
    switch (params.route) {
        case kMetrics:
            out.content_type = obs::kPrometheusContentType;
            out.body = obs::render_prometheus(status(), channel_gauges());
            break;
        case kStatus:
            out.content_type = "application/json";
            out.body = obs::render_json(status());
            break;
        default:
            out.content_type = "text/html; charset=utf-8";
            out.body = obs::kDashboardHtml;
            break;
    }
    return net::Reply::Now;
}

}  // namespace shoal::worker
