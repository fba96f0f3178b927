// SPDX-License-Identifier: MIT
// Everything one load run is configured with, and its parsing from the command line.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/loadgen/bench_stamp.hpp"
#include "bench/loadgen/pusher_sign.hpp"
#include "common/result.hpp"

namespace shoal::loadgen {

enum class PublishMode { Api, Client };

struct LoadOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6001;
    std::uint16_t api_port = 0;  // where API events are published; 0: `port` (another host
                                 // of a cluster: docs/cluster.md; the plain port beside TLS)
    bool tls = false;      // subscribers speak TLS (full handshakes, no resumption, no checks)
    bool deflate = false;  // subscribers offer permessage-deflate and inflate what comes back
    AppCredentials app;

    int connections = 1000;  // subscribers
    int channels = 1;        // subscriber i joins channel i % channels
    std::string channel_prefix = "bench-";
    std::size_t payload_bytes = 64;  // size of each event's data string
    PayloadFill payload_fill = PayloadFill::X;
    int source_addresses = 0;       // 127.0.0.1..N; 0: one per 25,000 connections
    int connect_concurrency = 512;  // handshakes in flight at once
    double connect_timeout_s = 30;

    PublishMode mode = PublishMode::Api;
    double rate = 0;                // events/s over all channels; 0: as fast as absorbed
    int api_connections = 0;        // keep-alive HTTP connections; 0: enough to fill --window
    int batch = 10;                 // events per batch_events request (Pusher allows 10)
    int window_per_subscriber = 8;  // as-fast-as-absorbed: deliveries owed per subscriber
    double duration_s = 5;
    int drain_ms = 2000;
    int settle_ms = 300;  // idle time before the RSS sample
    int warmup_ms = 0;    // events sent this early in the window give no latency sample
    // Spin (epoll timeout 0) while publishing and draining, so the load generator's own wake-up
    // from a halted vCPU is not in the latency; costs a full core.
    bool busy_poll = false;

    pid_t server_pid = 0;  // sample /proc for this process and its descendants
    bool json = false;
    std::string label;  // free text carried into the report
};

// Parses argv; an Error carries CLI11's message (or "help" with the usage text as context).
common::Result<LoadOptions> parse_load_options(int argc, char** argv);
// Fills in the automatic values (source addresses, API connections).
LoadOptions normalized(LoadOptions options);
// Deliveries that may be owed at once in as-fast-as-absorbed mode: --window per subscriber, but
// never less than two requests' worth, so the server always has the next one queued.
std::uint64_t delivery_window(const LoadOptions& options, std::uint64_t subscribers) noexcept;
// Checks the combination; returns a message for the first problem, or empty.
std::string validate(const LoadOptions& options);

}  // namespace shoal::loadgen
