// SPDX-License-Identifier: MIT
// Rendering a RunReport. JSON is written by hand: flat numbers and a few escaped strings.
#include "bench/loadgen/load_report.hpp"

#include <cstdarg>
#include <cstdio>

namespace shoal::loadgen {
namespace {

void appendf(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string& out, const char* fmt, ...) {
    char buf[512];
    va_list args;
    va_start(args, fmt);
    const int n = std::vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    if (n > 0) out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20) {
            appendf(out, "\\u%04x", static_cast<unsigned>(c));
        } else {
            out.push_back(c);
        }
    }
    return out + "\"";
}

const char* mode_name(const LoadOptions& o) {
    return o.mode == PublishMode::Api ? "api" : "client";
}

}  // namespace

std::string judge_bottleneck(const RunReport& r) {
    const int workers = r.server_processes > 1 ? r.server_processes - 1 : 1;
    if (r.machine_busy_cores >= 0 && r.other_cores >= 0.5) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "contended (other processes used %.1f of %d cores)",
                      r.other_cores, r.machine_cores);
        return buf;
    }
    // A spinning load generator uses its core whatever the load: that is not saturation.
    const bool own_busy = r.own_cores >= 0.85 && !r.options.busy_poll;
    const bool server_busy = r.have_server && r.server_cores >= 0.85 * workers;
    if (r.options.rate > 0 && r.published_per_s >= 0.95 * r.options.rate && !own_busy &&
        !server_busy) {
        return "none (fixed rate met)";
    }
    if (own_busy && server_busy) return "both (loadgen and server CPU saturated)";
    if (own_busy) return "loadgen (one core saturated)";
    if (server_busy) return "server (CPU saturated)";
    if (r.have_server && r.own_cores + r.server_cores >= 1.7) return "machine (cores shared)";
    return r.have_server ? "neither saturated (latency-bound)" : "unknown (no --server-pid)";
}

std::string render_table(const RunReport& r) {
    const LoadOptions& o = r.options;
    std::string t;
    appendf(t, "shoal_loadgen %s\n", o.label.c_str());
    appendf(t, "  target        %s:%u  publish=%s  rate=%s  payload=%zu B\n", o.host.c_str(),
            static_cast<unsigned>(o.port), mode_name(o),
            o.rate > 0 ? std::to_string(static_cast<long long>(o.rate)).c_str() : "max",
            o.payload_bytes);
    appendf(t, "  clients       %d over %d channels, %d source addresses\n", o.connections,
            o.channels, o.source_addresses);
    appendf(t, "  connect       %llu subscribed, %llu failed in %.3f s  (%.0f conn/s)\n",
            static_cast<unsigned long long>(r.subscribed),
            static_cast<unsigned long long>(r.failed), r.connect_s, r.connect_rate);
    appendf(t, "  published     %llu events (%.0f/s), %llu rejected, %llu requests\n",
            static_cast<unsigned long long>(r.published), r.published_per_s,
            static_cast<unsigned long long>(r.rejected),
            static_cast<unsigned long long>(r.requests));
    appendf(t, "  delivered     %llu of %llu expected, lost %llu, dropped clients %llu\n",
            static_cast<unsigned long long>(r.delivered),
            static_cast<unsigned long long>(r.expected), static_cast<unsigned long long>(r.lost),
            static_cast<unsigned long long>(r.dropped));
    appendf(t, "  throughput    %.0f deliveries/s over %.3f s\n", r.deliveries_per_s, r.window_s);
    appendf(t, "  wire          %.1f B read per delivery%s%s (%llu inflated)\n",
            r.wire_bytes_per_delivery, o.tls ? ", TLS" : "", o.deflate ? ", deflate" : "",
            static_cast<unsigned long long>(r.inflated));
    appendf(t,
            "  latency us    p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (%llu samples)\n",
            r.latency.p50_us, r.latency.p90_us, r.latency.p99_us, r.latency.p999_us,
            r.latency.max_us, static_cast<unsigned long long>(r.latency.samples));
    if (r.have_server) {
        appendf(t,
                "  server        %.2f cores (%d processes), %.0f ns CPU/delivery, RSS %.0f B/conn "
                "(%.0f B anonymous, %.0f B bus segment; %.0f B of it the supervisor's)\n",
                r.server_cores, r.server_processes, r.server_cpu_ns_per_delivery,
                r.server_rss_per_connection, r.server_anon_rss_per_connection,
                r.server_shmem_rss_per_connection, r.server_root_rss_per_connection);
        appendf(t, "  set-up        %.1f us server CPU per client (connect to subscribed)\n",
                r.server_connect_cpu_us);
    } else {
        appendf(t, "  server        not sampled (pass --server-pid)\n");
    }
    appendf(t, "  loadgen       %.2f cores, %.0f ns CPU/delivery\n", r.own_cores,
            r.own_cpu_ns_per_delivery);
    if (r.machine_busy_cores >= 0) {
        appendf(t, "  machine       %.2f of %d cores busy, %.2f by other processes\n",
                r.machine_busy_cores, r.machine_cores, r.other_cores);
    }
    appendf(t, "  bottleneck    %s\n", r.bottleneck.c_str());
    return t;
}

std::string render_json(const RunReport& r) {
    const LoadOptions& o = r.options;
    std::string j = "{";
    appendf(j, "\"label\":%s,", json_string(o.label).c_str());
    appendf(j, "\"config\":{\"host\":%s,\"port\":%u,\"publish\":\"%s\",\"rate\":%.3f,",
            json_string(o.host).c_str(), static_cast<unsigned>(o.port), mode_name(o), o.rate);
    appendf(j, "\"connections\":%d,\"channels\":%d,\"payload_bytes\":%zu,\"duration_s\":%.3f,",
            o.connections, o.channels, o.payload_bytes, o.duration_s);
    appendf(j,
            "\"api_connections\":%d,\"batch\":%d,\"source_addresses\":%d,\"warmup_ms\":%d,"
            "\"busy_poll\":%s,\"tls\":%s,\"deflate\":%s},",
            o.api_connections, o.batch, o.source_addresses, o.warmup_ms,
            o.busy_poll ? "true" : "false", o.tls ? "true" : "false", o.deflate ? "true" : "false");
    appendf(j, "\"connect\":{\"established\":%llu,\"subscribed\":%llu,\"failed\":%llu,",
            static_cast<unsigned long long>(r.established),
            static_cast<unsigned long long>(r.subscribed),
            static_cast<unsigned long long>(r.failed));
    appendf(j, "\"seconds\":%.6f,\"per_s\":%.1f},", r.connect_s, r.connect_rate);
    appendf(j, "\"published\":%llu,\"rejected\":%llu,\"requests\":%llu,\"requests_failed\":%llu,",
            static_cast<unsigned long long>(r.published),
            static_cast<unsigned long long>(r.rejected),
            static_cast<unsigned long long>(r.requests),
            static_cast<unsigned long long>(r.requests_failed));
    appendf(j, "\"expected\":%llu,\"delivered\":%llu,\"lost\":%llu,\"dropped\":%llu,",
            static_cast<unsigned long long>(r.expected),
            static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.lost),
            static_cast<unsigned long long>(r.dropped));
    appendf(j, "\"pusher_errors\":%llu,\"unstamped\":%llu,",
            static_cast<unsigned long long>(r.pusher_errors),
            static_cast<unsigned long long>(r.unstamped));
    appendf(j, "\"publish_s\":%.6f,\"window_s\":%.6f,\"published_per_s\":%.1f,", r.publish_s,
            r.window_s, r.published_per_s);
    appendf(j, "\"deliveries_per_s\":%.1f,", r.deliveries_per_s);
    appendf(j, "\"wire\":{\"bytes\":%llu,\"bytes_per_delivery\":%.2f,\"inflated\":%llu},",
            static_cast<unsigned long long>(r.wire_bytes), r.wire_bytes_per_delivery,
            static_cast<unsigned long long>(r.inflated));
    appendf(j, "\"latency_us\":{\"samples\":%llu,\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,",
            static_cast<unsigned long long>(r.latency.samples), r.latency.p50_us, r.latency.p90_us,
            r.latency.p99_us);
    appendf(j, "\"p999\":%.2f,\"max\":%.2f,\"mean\":%.2f},", r.latency.p999_us, r.latency.max_us,
            r.latency.mean_us);
    if (r.have_server) {
        appendf(j, "\"server\":{\"processes\":%d,\"cpu_s\":%.3f,\"cores\":%.3f,",
                r.server_processes, r.server_cpu_s, r.server_cores);
        appendf(j, "\"rss_before_bytes\":%llu,\"rss_connected_bytes\":%llu,",
                static_cast<unsigned long long>(r.server_rss_before),
                static_cast<unsigned long long>(r.server_rss_connected));
        appendf(j, "\"rss_per_connection_bytes\":%.1f,\"anon_rss_per_connection_bytes\":%.1f,",
                r.server_rss_per_connection, r.server_anon_rss_per_connection);
        appendf(j,
                "\"shmem_rss_per_connection_bytes\":%.1f,"
                "\"supervisor_rss_per_connection_bytes\":%.1f,",
                r.server_shmem_rss_per_connection, r.server_root_rss_per_connection);
        appendf(j, "\"cpu_ns_per_delivery\":%.1f,\"connect_cpu_us\":%.2f},",
                r.server_cpu_ns_per_delivery, r.server_connect_cpu_us);
    } else {
        j += "\"server\":null,";
    }
    appendf(j, "\"loadgen\":{\"cpu_s\":%.3f,\"cores\":%.3f,\"cpu_ns_per_delivery\":%.1f},",
            r.own_cpu_s, r.own_cores, r.own_cpu_ns_per_delivery);
    appendf(j, "\"machine\":{\"cores\":%d,\"busy_cores\":%.3f,\"other_cores\":%.3f},",
            r.machine_cores, r.machine_busy_cores, r.other_cores);
    appendf(j, "\"bottleneck\":%s}", json_string(r.bottleneck).c_str());
    return j;
}

}  // namespace shoal::loadgen
