// SPDX-License-Identifier: MIT
// The server configuration shared by the supervisor and its workers. The supervisor parses it
// (flags, JSON file, environment) and hands it to each worker as flags (to_args), so a worker that
// starts from exec sees exactly what its supervisor saw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"

namespace shoal::common {

struct AppCredentials {
    std::string id = "app-id";
    std::string key = "app-key";
    std::string secret = "app-secret";
};

// Every limit has one answer, listed in worker/codec/protocol_errors.hpp.
struct Limits {
    std::uint32_t handshake_timeout_ms = 10'000;
    std::uint32_t max_header_bytes = 8 * 1024;
    std::uint32_t max_message_bytes = 64 * 1024;  // WebSocket message (1009 beyond)
    std::uint32_t max_event_bytes = 10 * 1024;    // Pusher event data (HTTP 413 / 4009 beyond)
    std::uint32_t max_http_body_bytes = 1024 * 1024;
    std::uint32_t max_connections = 100'000;  // per worker
    std::uint32_t max_channels_per_connection = 100;
    std::uint32_t max_presence_members = 100;
    std::uint32_t max_presence_user_info_bytes = 1024;
    std::uint32_t client_events_per_second = 10;
    std::uint32_t send_queue_high_water_bytes = 1024 * 1024;
    std::uint32_t activity_timeout_s = 120;      // Pusher's activity_timeout
    std::uint32_t cache_ttl_s = 1800;            // a cache channel's last event lives this long
    std::uint32_t max_cached_channels = 10'000;  // per worker; the oldest entry is evicted
};

struct SupervisorPolicy {
    std::uint32_t heartbeat_interval_ms = 100;
    std::uint32_t heartbeat_timeout_ms = 3'000;
    std::uint32_t backoff_initial_ms = 100;
    std::uint32_t backoff_max_ms = 5'000;
    std::uint32_t healthy_after_ms = 10'000;   // uptime that resets backoff and closes the breaker
    std::uint32_t breaker_failures = 5;        // K failures ...
    std::uint32_t breaker_window_ms = 30'000;  // ... within W open the breaker
    std::uint32_t breaker_cooldown_ms = 30'000;
    std::uint32_t shutdown_deadline_ms = 10'000;
};

// Several hosts linked through Redis (docs/cluster.md); empty url: one host.
struct ClusterSettings {
    std::string url;                        // redis://host:port[/db]
    std::uint32_t host_timeout_ms = 3'000;  // a host silent this long loses its members
};

// Pusher webhooks (docs/webhooks.md), sent by the supervisor; the targets are per app, in the apps
// file. Vacated / removed wait grace_ms and are cancelled when the channel or user comes back.
struct WebhookSettings {
    std::uint32_t grace_ms = 3'000;
    std::uint32_t batch_ms = 50;    // events of one target within this go in one request ...
    std::uint32_t batch_max = 100;  // ... up to this many
    std::uint64_t queue_bytes = 16u << 20;  // bodies waiting or retrying; the oldest go beyond
    std::uint32_t timeout_ms = 5'000;       // one request, connect included
    std::uint32_t retry_for_ms = 300'000;   // retried with backoff this long, then dropped
};

// /metrics is always on the main port; /status and /dashboard only with --dashboard
// (docs/observability.md). metrics_port (0: none) adds a listener on 127.0.0.1 for /metrics.
struct ObservabilitySettings {
    bool dashboard = false;
    std::uint16_t metrics_port = 0;
};

// TLS on the main port (docs/tls.md). Both files or neither; plain_port (0: none) serves plain
// HTTP/WebSocket beside it, for a proxy or a health checker that speaks no TLS.
struct TlsSettings {
    std::string cert_file;  // PEM: the leaf first, then the intermediates
    std::string key_file;   // PEM, unencrypted
    std::uint16_t plain_port = 0;
    bool enabled() const noexcept { return !cert_file.empty(); }
};

// permessage-deflate (RFC 7692). Shared: every message compressed without context, once per
// frame for all subscribers (no zlib memory per connection). Dedicated: a compressor with
// context per connection (better ratio; 2^(window_bits+3) bytes of zlib state per connection).
enum class Compression : std::uint8_t { Off, Shared, Dedicated };
// "off", "shared", "dedicated"; false for anything else.
bool parse_compression(std::string_view text, Compression& out) noexcept;
const char* compression_text(Compression mode) noexcept;

struct CompressionSettings {
    Compression mode = Compression::Off;
    std::uint32_t threshold_bytes = 128;  // smaller messages go out uncompressed
    std::uint32_t window_bits = 15;       // 9..15: the server's LZ77 window (and its memory)
};

struct Config {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6001;
    unsigned workers = 0;  // 0: one per core
    std::string bus_name;  // empty: "shoal-<port>"
    AppCredentials app;
    // The apps file (docs/apps.md); empty: the one app of `app`. Workers get the supervisor's
    // snapshot of it (apps_snapshot_path) instead of the user's file.
    std::string apps_file;
    Limits limits;
    SupervisorPolicy policy;
    LogLevel log_level = LogLevel::Info;
    LogFormat log_format = LogFormat::Text;
    // Phoenix topics whose name starts with one of these refuse client pushes (reply error
    // {reason:"push not allowed"}); empty: pushes are allowed on every topic.
    std::vector<std::string> phoenix_deny_push_prefixes;
    ClusterSettings cluster;
    ObservabilitySettings observability;
    TlsSettings tls;
    CompressionSettings compression;
    WebhookSettings webhooks;

    unsigned effective_workers() const noexcept;
    std::string effective_bus_name() const;

    // Checks ranges and cross-field rules; the error names the offending setting.
    Result<void> validate() const;
};

}  // namespace shoal::common
