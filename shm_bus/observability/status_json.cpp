// SPDX-License-Identifier: MIT
#include "shm_bus/observability/status_json.hpp"

#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace shoal::obs {
namespace {

template <class Writer>
void write_counters(Writer& w, const common::CounterValues& v) {
    w.StartObject();
    for (std::size_t i = 0; i < common::kCounterCount; ++i) {
        const std::string_view n = common::name(static_cast<common::Counter>(i));
        w.Key(n.data(), static_cast<rapidjson::SizeType>(n.size()));
        w.Uint64(v[i]);
    }
    w.EndObject();
}

}  // namespace

std::string render_json(const ServerStatus& st) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("bus");
    w.String(st.bus.c_str());
    w.Key("supervisor_pid");
    w.Uint64(st.supervisor_pid);
    w.Key("supervisor_alive");
    w.Bool(st.supervisor_alive);
    w.Key("ring_bytes");
    w.Uint64(st.ring_bytes);
    w.Key("host");
    w.StartObject();
    w.Key("uptime_ms");
    w.Uint64(st.host.uptime_ms);
    w.Key("cluster");
    w.String(st.host.cluster.c_str());
    w.Key("cluster_hosts");
    w.Uint(st.host.cluster_hosts);
    w.Key("redis_connects");
    w.Uint64(st.host.redis_connects);
    w.Key("redis_link_losses");
    w.Uint64(st.host.redis_link_losses);
    w.EndObject();
    const WebhookStatus& wh = st.webhooks;
    w.Key("webhooks");
    w.StartObject();
    for (const auto& [key, v] : {std::pair{"queue_batches", wh.queue_batches},
                                 {"queue_bytes", wh.queue_bytes},
                                 {"requests_sent", wh.requests_sent},
                                 {"events_sent", wh.events_sent},
                                 {"requests_failed", wh.requests_failed},
                                 {"requests_retried", wh.requests_retried},
                                 {"dropped_overflow", wh.dropped_overflow},
                                 {"dropped_expired", wh.dropped_expired},
                                 {"dropped_unrouted", wh.dropped_unrouted}}) {
        w.Key(key);
        w.Uint64(v);
    }
    w.Key("leader");
    w.Bool(wh.leader);
    w.EndObject();
    w.Key("slots");
    w.StartArray();
    for (const auto& s : st.slots) {
        w.StartObject();
        w.Key("slot");
        w.Uint(s.slot);
        w.Key("pid");
        w.Uint(s.pid);
        w.Key("state");
        w.String(s.state.c_str());
        w.Key("epoch");
        w.Uint64(s.epoch);
        w.Key("uptime_ms");
        w.Uint64(s.uptime_ms);
        w.Key("heartbeat_age_ms");
        w.Uint64(s.heartbeat_age_ms);
        w.Key("restarts");
        w.Uint(s.restarts);
        w.Key("breaker");
        w.String(s.breaker.c_str());
        w.Key("connections");
        w.Uint64(s.connections);
        w.Key("messages_in");
        w.Uint64(s.messages_in);
        w.Key("messages_out");
        w.Uint64(s.messages_out);
        w.Key("lost_records");
        w.Uint64(s.lost_records);
        w.Key("max_lag_bytes");
        w.Uint64(s.max_lag_bytes);
        w.Key("rss_bytes");
        w.Uint64(s.rss_bytes);
        w.Key("cpu_seconds");
        w.Double(s.cpu_seconds);
        w.Key("read_positions");
        w.StartArray();
        for (std::uint64_t p : s.read_positions)
            w.Uint64(p);
        w.EndArray();
        w.Key("counters");
        write_counters(w, s.counters);
        w.EndObject();
    }
    w.EndArray();
    w.Key("totals");
    w.StartObject();
    w.Key("connections");
    w.Uint64(st.connections);
    w.Key("counters");
    write_counters(w, st.totals);
    w.EndObject();
    w.Key("rings");
    w.StartArray();
    for (const auto& r : st.rings) {
        w.StartObject();
        w.Key("ring");
        w.Uint(r.ring);
        w.Key("writer");
        w.String(r.writer.c_str());
        w.Key("tail");
        w.Uint64(r.tail);
        w.Key("latest");
        w.Uint64(r.latest);
        w.Key("writer_epoch");
        w.Uint64(r.writer_epoch);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace shoal::obs
