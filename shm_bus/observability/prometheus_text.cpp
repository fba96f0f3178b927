// SPDX-License-Identifier: MIT
// Metric names follow the Prometheus conventions: a `shoal_` prefix, base units (bytes,
// seconds), `_total` on counters only. Every catalogue counter is exposed; the table below names
// each one, and prometheus_text_test checks that none is missing.
#include "shm_bus/observability/prometheus_text.hpp"

#include <array>
#include <cinttypes>
#include <cstdio>

namespace shoal::obs {
namespace {

using common::Counter;

struct CounterMetric {
    Counter counter;
    const char* name;  // without the shoal_ prefix
    const char* help;
};

// Counters exposed one to one (host sums). The HTTP status classes, the per-protocol sessions
// and the send-queue high-water mark are rendered below with labels or as gauges.
constexpr std::array<CounterMetric, 18> kPlain = {{
    {Counter::ConnectionsAccepted, "connections_accepted_total", "TCP connections accepted."},
    {Counter::ConnectionsRefused, "connections_refused_total",
     "Connections refused over capacity or while draining (503)."},
    {Counter::AcceptErrors, "accept_errors_total", "accept() failures (out of descriptors)."},
    {Counter::WebsocketsOpened, "websockets_opened_total", "WebSocket upgrades completed."},
    {Counter::ProtocolErrors, "protocol_errors_total", "Closes and HTTP errors caused by peers."},
    {Counter::SlowConsumerCloses, "slow_consumer_closes_total",
     "Connections closed over their send-queue high-water mark."},
    {Counter::IdleCloses, "idle_closes_total", "Connections closed idle."},
    {Counter::SocketBytesIn, "received_bytes_total", "Bytes read from client sockets."},
    {Counter::SocketBytesOut, "sent_bytes_total", "Bytes written to client sockets."},
    {Counter::WebsocketMessagesIn, "websocket_messages_received_total",
     "WebSocket messages received from clients."},
    {Counter::ClientMessagesPublished, "client_messages_published_total",
     "Client events and pushes admitted and published."},
    {Counter::ApiEventsPublished, "api_events_published_total",
     "Events published through the HTTP API (one per channel)."},
    {Counter::LocalDeliveries, "deliveries_total",
     "Frames queued to subscribers (each worker counts its own)."},
    {Counter::ClientEventsRateLimited, "client_events_rate_limited_total",
     "Client events and pushes refused over the per-connection rate."},
    {Counter::HttpAuthFailures, "http_auth_failures_total", "HTTP API requests refused 401."},
    {Counter::BusRecordsRefused, "bus_records_refused_total",
     "Records not written: over the ring's maximum record size."},
    {Counter::BusRecordsBad, "bus_records_bad_total", "Undecodable bus records skipped."},
    {Counter::BusLaps, "bus_laps_total", "Times a worker was lapped on a ring (each a resync)."},
}};

constexpr std::size_t idx(Counter c) {
    return static_cast<std::size_t>(c);
}

class Out {
  public:
    explicit Out(std::string& s) : s_(s) {}
    void head(const char* name, const char* type, const char* help) {
        s_ += "# HELP shoal_";
        s_ += name;
        s_ += ' ';
        s_ += help;
        s_ += "\n# TYPE shoal_";
        s_ += name;
        s_ += ' ';
        s_ += type;
        s_ += '\n';
    }
    void value(const char* name, std::uint64_t v, const char* labels = nullptr) {
        char line[256];
        std::snprintf(line, sizeof line, "shoal_%s%s%s%s %" PRIu64 "\n", name, labels ? "{" : "",
                      labels ? labels : "", labels ? "}" : "", v);
        s_ += line;
    }
    void value(const char* name, double v, const char* labels) {
        char line[256];
        const bool l = labels && *labels;
        std::snprintf(line, sizeof line, "shoal_%s%s%s%s %.6f\n", name, l ? "{" : "",
                      l ? labels : "", l ? "}" : "", v);
        s_ += line;
    }
    void one(const char* name, const char* type, const char* help, std::uint64_t v) {
        head(name, type, help);
        value(name, v);
    }

  private:
    std::string& s_;
};

bool live(const SlotStatus& s) {
    return s.state == "running" || s.state == "starting" || s.state == "stopping";
}

void render_bus(Out& o, const ServerStatus& st) {
    const auto& t = st.totals;
    o.head("bus_records_total", "counter",
           "Bus records by direction: written by workers, read by workers, lost to laps.");
    o.value("bus_records_total", t[idx(Counter::BusRecordsOut)], "direction=\"written\"");
    o.value("bus_records_total", t[idx(Counter::BusRecordsIn)], "direction=\"read\"");
    o.value("bus_records_total", t[idx(Counter::BusRecordsLost)], "direction=\"lost\"");
}

void render_protocols(Out& o, const ServerStatus& st) {
    struct P {
        const char* name;
        Counter opened, closed;
    };
    constexpr P kProtocols[] = {
        {"pusher", Counter::PusherConnectionsOpened, Counter::PusherConnectionsClosed},
        {"phoenix", Counter::PhoenixConnectionsOpened, Counter::PhoenixConnectionsClosed},
    };
    char labels[64];
    o.head("protocol_connections", "gauge", "Open protocol sessions by protocol.");
    for (const P& p : kProtocols) {
        std::uint64_t open = 0;
        for (const auto& s : st.slots) {
            const std::uint64_t a = s.counters[idx(p.opened)], b = s.counters[idx(p.closed)];
            if (live(s) && a > b) open += a - b;
        }
        std::snprintf(labels, sizeof labels, "protocol=\"%s\"", p.name);
        o.value("protocol_connections", open, labels);
    }
    o.head("protocol_connections_opened_total", "counter", "Protocol sessions opened by protocol.");
    for (const P& p : kProtocols) {
        std::snprintf(labels, sizeof labels, "protocol=\"%s\"", p.name);
        o.value("protocol_connections_opened_total", st.totals[idx(p.opened)], labels);
    }
}

void render_http(Out& o, const ServerStatus& st) {
    o.head("http_responses_total", "counter", "HTTP responses by status class.");
    o.value("http_responses_total", st.totals[idx(Counter::HttpResponses2xx)], "code=\"2xx\"");
    o.value("http_responses_total", st.totals[idx(Counter::HttpResponses4xx)], "code=\"4xx\"");
    o.value("http_responses_total", st.totals[idx(Counter::HttpResponses5xx)], "code=\"5xx\"");
}

void render_slots(Out& o, const ServerStatus& st) {
    char l[96];
    auto each = [&](const char* name, const char* type, const char* help, auto&& value) {
        o.head(name, type, help);
        for (const auto& s : st.slots) {
            std::snprintf(l, sizeof l, "slot=\"%u\"", s.slot);
            value(name, s);
        }
    };
    each("worker_up", "gauge", "1 while the slot's worker runs.",
         [&](const char* n, const SlotStatus& s) { o.value(n, std::uint64_t{live(s)}, l); });
    each("worker_restarts_total", "counter", "Restarts of the slot's worker.",
         [&](const char* n, const SlotStatus& s) { o.value(n, std::uint64_t{s.restarts}, l); });
    each("worker_uptime_seconds", "gauge", "Seconds since the slot's worker started.",
         [&](const char* n, const SlotStatus& s) { o.value(n, s.uptime_ms / 1000.0, l); });
    each("worker_heartbeat_age_seconds", "gauge", "Age of the worker's last heartbeat.",
         [&](const char* n, const SlotStatus& s) { o.value(n, s.heartbeat_age_ms / 1000.0, l); });
    each("worker_connections", "gauge", "Connections open on the slot's worker.",
         [&](const char* n, const SlotStatus& s) {
             o.value(n, live(s) ? s.connections : std::uint64_t{0}, l);
         });
    each("worker_bus_lag_bytes", "gauge", "How far the worker is behind the furthest ring.",
         [&](const char* n, const SlotStatus& s) { o.value(n, s.max_lag_bytes, l); });
    each("worker_resident_memory_bytes", "gauge", "Resident memory of the slot's worker.",
         [&](const char* n, const SlotStatus& s) { o.value(n, s.rss_bytes, l); });
    each("worker_cpu_seconds_total", "counter", "CPU time (user + system) of the current worker.",
         [&](const char* n, const SlotStatus& s) { o.value(n, s.cpu_seconds, l); });
    o.head("worker_breaker_state", "gauge", "The slot's circuit breaker: 1 for its current state.");
    for (const auto& s : st.slots) {
        for (const char* state : {"closed", "open", "half-open"}) {
            std::snprintf(l, sizeof l, "slot=\"%u\",state=\"%s\"", s.slot, state);
            o.value("worker_breaker_state", std::uint64_t{s.breaker == state}, l);
        }
    }
}

void render_host(Out& o, const ServerStatus& st) {
    const HostStatus& h = st.host;
    o.head("supervisor_uptime_seconds", "gauge", "Seconds since the supervisor started.");
    o.value("supervisor_uptime_seconds", h.uptime_ms / 1000.0, "");
    o.one("cluster_enabled", "gauge", "1 when the host is linked to others through Redis.",
          std::uint64_t{h.cluster != "off"});
    o.one("cluster_link_up", "gauge", "1 while the Redis link is up.",
          std::uint64_t{h.cluster == "up"});
    o.one("cluster_hosts", "gauge", "Other hosts of the cluster known now.", h.cluster_hosts);
    o.one("cluster_redis_connects_total", "counter",
          "Successful connects to Redis (the first and every reconnect).", h.redis_connects);
    o.one("cluster_redis_link_losses_total", "counter", "Times an up Redis link was lost.",
          h.redis_link_losses);
}

void render_webhooks(Out& o, const WebhookStatus& w) {
    o.one("webhook_queue_batches", "gauge", "Webhook requests waiting, in flight or retrying.",
          w.queue_batches);
    o.one("webhook_queue_bytes", "gauge", "Bytes those requests hold.", w.queue_bytes);
    o.one("webhook_requests_sent_total", "counter", "Webhook requests answered 2xx.",
          w.requests_sent);
    o.one("webhook_events_sent_total", "counter", "Webhook events in requests answered 2xx.",
          w.events_sent);
    o.one("webhook_requests_failed_total", "counter",
          "Webhook attempts answered other than 2xx, or not answered.", w.requests_failed);
    o.one("webhook_requests_retried_total", "counter", "Webhook attempts after a request's first.",
          w.requests_retried);
    o.head("webhook_requests_dropped_total", "counter",
           "Webhook requests given up: the queue's byte bound (overflow), retried too long "
           "(expired), app or URL removed (unrouted).");
    o.value("webhook_requests_dropped_total", w.dropped_overflow, "reason=\"overflow\"");
    o.value("webhook_requests_dropped_total", w.dropped_expired, "reason=\"expired\"");
    o.value("webhook_requests_dropped_total", w.dropped_unrouted, "reason=\"unrouted\"");
    o.one("webhook_leader", "gauge",
          "1 while this host sends the cluster's channel and presence webhooks.",
          std::uint64_t{w.leader});
}

}  // namespace

std::string render_prometheus(const ServerStatus& st, const std::optional<ChannelGauges>& ch) {
    std::string s;
    s.reserve(8192);
    Out o(s);
    o.one("up", "gauge", "1: the supervisor of this bus is running.",
          std::uint64_t{st.supervisor_alive});
    o.one("connections", "gauge", "Connections open on the host.", st.connections);
    for (const CounterMetric& m : kPlain)
        o.one(m.name, "counter", m.help, st.totals[idx(m.counter)]);
    o.one("send_queue_peak_bytes", "gauge", "Largest single send queue seen on the host.",
          st.totals[idx(Counter::SendQueuePeakBytes)]);
    render_http(o, st);
    render_protocols(o, st);
    render_bus(o, st);
    if (ch) {
        o.one("channels", "gauge", "Occupied channels on the host.", ch->channels);
        o.one("subscriptions", "gauge", "Subscriptions to occupied channels on the host.",
              ch->subscriptions);
        o.one("presence_members", "gauge", "Distinct (presence channel, user) pairs.",
              ch->presence_members);
    }
    render_host(o, st);
    render_webhooks(o, st.webhooks);
    render_slots(o, st);
    return s;
}

// Every catalogue counter, with where it is rendered; prometheus_text_test walks the catalogue.
bool exposes(Counter c) noexcept {
    for (const CounterMetric& m : kPlain)
        if (m.counter == c) return true;
    switch (c) {
        case Counter::SendQueuePeakBytes:
        case Counter::HttpResponses2xx:
        case Counter::HttpResponses4xx:
        case Counter::HttpResponses5xx:
        case Counter::PusherConnectionsOpened:
        case Counter::PusherConnectionsClosed:
        case Counter::PhoenixConnectionsOpened:
        case Counter::PhoenixConnectionsClosed:
        case Counter::BusRecordsOut:
        case Counter::BusRecordsIn:
        case Counter::BusRecordsLost:
            return true;
        default:
            return false;
    }
}

}  // namespace shoal::obs
