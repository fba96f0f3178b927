// SPDX-License-Identifier: MIT
// The result of one load run and its two renderings: a human table and one JSON object.
#pragma once

#include <cstdint>
#include <string>

#include "bench/loadgen/loadgen_options.hpp"

namespace shoal::loadgen {

struct LatencySummary {
    std::uint64_t samples = 0;
    double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
};

struct RunReport {
    LoadOptions options;
    // Connection set-up.
    std::uint64_t established = 0, subscribed = 0, failed = 0, dropped = 0;
    std::uint64_t pusher_errors = 0, unstamped = 0, pings = 0;
    double connect_s = 0;     // first connect to last subscription_succeeded
    double connect_rate = 0;  // connection_established per second
    // Publishing and delivery.
    std::uint64_t published = 0, rejected = 0, requests = 0, requests_failed = 0;
    std::uint64_t expected = 0, delivered = 0, lost = 0;
    double publish_s = 0, window_s = 0;
    double published_per_s = 0, deliveries_per_s = 0;
    LatencySummary latency;
    // What the subscribers read off their sockets while events were measured (ciphertext with
    // --tls, compressed frames with --deflate), per delivery.
    std::uint64_t wire_bytes = 0, inflated = 0;
    double wire_bytes_per_delivery = 0;
    // Who was busy.
    bool have_server = false;
    int server_processes = 0;
    double server_cpu_s = 0, server_cores = 0;
    std::uint64_t server_rss_before = 0, server_rss_connected = 0;
    double server_rss_per_connection = 0;        // bytes
    double server_anon_rss_per_connection = 0;   // bytes, without file-backed (code) pages
    double server_shmem_rss_per_connection = 0;  // bytes of the bus segment's pages
    double server_root_rss_per_connection = 0;   // bytes of the supervisor alone
    double server_cpu_ns_per_delivery = 0;
    // Server CPU from the first connect to the last subscription (TCP accept, TLS handshake,
    // upgrade, subscribe) per subscribed client: 1e6 / this is set-ups per second per core.
    double server_connect_cpu_us = 0;
    double own_cpu_s = 0, own_cores = 0, own_cpu_ns_per_delivery = 0;
    int machine_cores = 0;           // online CPUs
    double machine_busy_cores = -1;  // all processes over the window; -1: not measured
    double other_cores = 0;          // machine_busy_cores minus the server and the load generator
    std::string bottleneck;
};

std::string render_table(const RunReport& report);
std::string render_json(const RunReport& report);
// Which side limited the run, from the CPU each used (cores) over the window.
std::string judge_bottleneck(const RunReport& report);

}  // namespace shoal::loadgen
