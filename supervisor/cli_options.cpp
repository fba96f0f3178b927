// SPDX-License-Identifier: MIT
// Flags for every Config field; to_args() is their exact inverse (pinned by a round-trip test),
// except that a Redis password never reaches a worker's command line.
#include "supervisor/cli_options.hpp"

#include "supervisor/cluster/redis_url.hpp"

namespace shoal::sup {
namespace {

const char* level_text(common::LogLevel level) {
    switch (level) {
        case common::LogLevel::Debug:
            return "debug";
        case common::LogLevel::Info:
            return "info";
        case common::LogLevel::Warn:
            return "warn";
        case common::LogLevel::Error:
            return "error";
    }
    return "info";
}

}  // namespace

void add_config_options(CLI::App& app, common::Config& c, CliScratch& s) {
    app.add_option("--host", c.host, "Address to listen on")
        ->envname("SHOAL_HOST")
        ->capture_default_str();
    app.add_option("--port", c.port, "Port to listen on")
        ->envname("SHOAL_PORT")
        ->capture_default_str();
    app.add_option("--workers", c.workers, "Worker processes (0: one per core)")
        ->envname("SHOAL_WORKERS")
        ->check(CLI::Range(0u, 64u))
        ->capture_default_str();
    app.add_option("--bus-name", c.bus_name, "Shared-memory bus name (default shoal-<port>)")
        ->envname("SHOAL_BUS_NAME");
    app.add_option("--app-id", c.app.id, "Pusher app id")
        ->envname("SHOAL_APP_ID")
        ->capture_default_str();
    app.add_option("--app-key", c.app.key, "Pusher app key")
        ->envname("SHOAL_APP_KEY")
        ->capture_default_str();
    app.add_option("--app-secret", c.app.secret, "Pusher app secret")
        ->envname("SHOAL_APP_SECRET")
        ->capture_default_str();
    app.add_option("--apps", c.apps_file,
                   "JSON file of apps (docs/apps.md); replaces --app-id/--app-key/--app-secret, "
                   "re-read on SIGHUP")
        ->envname("SHOAL_APPS");
    app.add_option("--log-level", s.log_level, "debug|info|warn|error")
        ->envname("SHOAL_LOG_LEVEL")
        ->capture_default_str();
    app.add_option("--log-format", s.log_format, "text|json")
        ->envname("SHOAL_LOG_FORMAT")
        ->capture_default_str();

    app.add_flag("--dashboard", c.observability.dashboard,
                 "Serve GET /status (JSON) and the live status page GET /dashboard");
    app.add_option("--metrics-port", c.observability.metrics_port,
                   "Also serve GET /metrics on 127.0.0.1:PORT (0: only the main port)")
        ->capture_default_str();

    app.add_option("--tls-cert", c.tls.cert_file,
                   "Serve TLS on --port with this PEM certificate chain (leaf first)")
        ->envname("SHOAL_TLS_CERT");
    app.add_option("--tls-key", c.tls.key_file, "The PEM private key of --tls-cert")
        ->envname("SHOAL_TLS_KEY");
    app.add_option("--plain-port", c.tls.plain_port,
                   "With --tls-cert: also serve plain HTTP/WebSocket on this port (0: none)")
        ->capture_default_str();
    app.add_option("--compression", s.compression,
                   "permessage-deflate: off|shared|dedicated (docs/tls.md for the memory cost)")
        ->envname("SHOAL_COMPRESSION")
        ->capture_default_str();
    app.add_option("--compression-threshold", c.compression.threshold_bytes,
                   "Messages smaller than this go out uncompressed")
        ->capture_default_str();
    app.add_option("--compression-window-bits", c.compression.window_bits,
                   "The compressor's window, 9..15 (dedicated: 2^(bits+3) bytes per connection)")
        ->capture_default_str();

    auto& l = c.limits;
    app.add_option("--max-message-bytes", l.max_message_bytes, "Largest WebSocket message")
        ->capture_default_str();
    app.add_option("--max-event-bytes", l.max_event_bytes, "Largest event data")
        ->capture_default_str();
    app.add_option("--max-connections", l.max_connections, "Connections per worker")
        ->capture_default_str();
    app.add_option("--activity-timeout", l.activity_timeout_s, "Pusher activity timeout, s")
        ->capture_default_str();
    app.add_option("--cache-ttl-s", l.cache_ttl_s, "How long a cache channel keeps its last event")
        ->capture_default_str();
    app.add_option("--max-cached-channels", l.max_cached_channels,
                   "Cache channels remembered per worker (the oldest is evicted)")
        ->capture_default_str();
    app.add_option("--phoenix-deny-push", c.phoenix_deny_push_prefixes,
                   "Comma-separated Phoenix topic prefixes that refuse client pushes")
        ->delimiter(',');
    app.add_option(
           "--cluster", c.cluster.url,
           "Link this host with others through Redis: redis://[[user]:password@]host[:port][/db]")
        ->envname("SHOAL_CLUSTER");
    app.add_option("--cluster-host-timeout-ms", c.cluster.host_timeout_ms,
                   "A host whose heartbeat lapses this long loses its members on the others")
        ->capture_default_str();

    auto& w = c.webhooks;
    app.add_option("--webhook-grace-ms", w.grace_ms,
                   "channel_vacated/member_removed wait this long; a return cancels them")
        ->capture_default_str();
    app.add_option("--webhook-batch-ms", w.batch_ms,
                   "Webhook events of one target within this window go in one request")
        ->capture_default_str();
    app.add_option("--webhook-batch-max", w.batch_max, "Most webhook events in one request")
        ->capture_default_str();
    app.add_option("--webhook-queue-bytes", w.queue_bytes,
                   "Webhook bodies held (waiting or retrying); beyond, the oldest are dropped")
        ->capture_default_str();
    app.add_option("--webhook-timeout-ms", w.timeout_ms, "One webhook request, connect included")
        ->capture_default_str();
    app.add_option("--webhook-retry-for-ms", w.retry_for_ms,
                   "A failing webhook request is retried with backoff this long, then dropped")
        ->capture_default_str();

    auto& p = c.policy;
    app.add_option("--heartbeat-interval-ms", p.heartbeat_interval_ms,
                   "How often a worker writes its heartbeat")
        ->capture_default_str();
    app.add_option("--heartbeat-timeout-ms", p.heartbeat_timeout_ms,
                   "A worker silent this long is killed")
        ->capture_default_str();
    app.add_option("--backoff-initial-ms", p.backoff_initial_ms, "First restart delay")
        ->capture_default_str();
    app.add_option("--backoff-max-ms", p.backoff_max_ms, "Largest restart delay")
        ->capture_default_str();
    app.add_option("--healthy-after-ms", p.healthy_after_ms,
                   "Uptime that resets the backoff and closes a half-open breaker")
        ->capture_default_str();
    app.add_option("--breaker-failures", p.breaker_failures, "Failures that open the breaker")
        ->capture_default_str();
    app.add_option("--breaker-window-ms", p.breaker_window_ms, "Window for those failures")
        ->capture_default_str();
    app.add_option("--breaker-cooldown-ms", p.breaker_cooldown_ms, "Open-breaker cooldown")
        ->capture_default_str();
    app.add_option("--shutdown-deadline-ms", p.shutdown_deadline_ms, "Graceful drain deadline")
        ->capture_default_str();
}

void add_config_file_option(CLI::App& app) {
    app.set_config("--config", "", "Read settings from a TOML/INI file (flag-name = value)");
}

common::Result<void> apply_scratch(const CliScratch& s, common::Config& c) {
    if (!common::parse_log_level(s.log_level, c.log_level))
        return common::Error{common::Errc::Config, 0, "--log-level must be debug|info|warn|error"};
    if (!common::parse_log_format(s.log_format, c.log_format))
        return common::Error{common::Errc::Config, 0, "--log-format must be text|json"};
    if (!common::parse_compression(s.compression, c.compression.mode))
        return common::Error{common::Errc::Config, 0, "--compression must be off|shared|dedicated"};
    return c.validate();
}

std::vector<std::string> to_args(const common::Config& c) {
    auto u = [](auto v) { return std::to_string(v); };
    std::vector<std::string> args = {
        "--host",
        c.host,
        "--port",
        u(c.port),
        "--workers",
        u(c.effective_workers()),
        "--bus-name",
        c.effective_bus_name(),
        "--app-id",
        c.app.id,
        "--app-key",
        c.app.key,
        "--app-secret",
        c.app.secret,
        "--log-level",
        level_text(c.log_level),
        "--log-format",
        c.log_format == common::LogFormat::Json ? "json" : "text",
        "--max-message-bytes",
        u(c.limits.max_message_bytes),
        "--max-event-bytes",
        u(c.limits.max_event_bytes),
        "--max-connections",
        u(c.limits.max_connections),
        "--activity-timeout",
        u(c.limits.activity_timeout_s),
        "--cache-ttl-s",
        u(c.limits.cache_ttl_s),
        "--max-cached-channels",
        u(c.limits.max_cached_channels),
        "--heartbeat-interval-ms",
        u(c.policy.heartbeat_interval_ms),
        "--heartbeat-timeout-ms",
        u(c.policy.heartbeat_timeout_ms),
        "--backoff-initial-ms",
        u(c.policy.backoff_initial_ms),
        "--backoff-max-ms",
        u(c.policy.backoff_max_ms),
        "--healthy-after-ms",
        u(c.policy.healthy_after_ms),
        "--breaker-failures",
        u(c.policy.breaker_failures),
        "--breaker-window-ms",
        u(c.policy.breaker_window_ms),
        "--breaker-cooldown-ms",
        u(c.policy.breaker_cooldown_ms),
        "--shutdown-deadline-ms",
        u(c.policy.shutdown_deadline_ms),
        "--cluster-host-timeout-ms",
        u(c.cluster.host_timeout_ms),
        "--compression",
        common::compression_text(c.compression.mode),
        "--compression-threshold",
        u(c.compression.threshold_bytes),
        "--compression-window-bits",
        u(c.compression.window_bits),
        "--webhook-grace-ms",
        u(c.webhooks.grace_ms),
        "--webhook-batch-ms",
        u(c.webhooks.batch_ms),
        "--webhook-batch-max",
        u(c.webhooks.batch_max),
        "--webhook-queue-bytes",
        u(c.webhooks.queue_bytes),
        "--webhook-timeout-ms",
        u(c.webhooks.timeout_ms),
        "--webhook-retry-for-ms",
        u(c.webhooks.retry_for_ms),
    };
    if (c.tls.enabled()) {
        args.insert(args.end(), {"--tls-cert", c.tls.cert_file, "--tls-key", c.tls.key_file,
                                 "--plain-port", u(c.tls.plain_port)});
    }
    if (!c.cluster.url.empty()) {
        args.push_back("--cluster");
        args.push_back(cluster::redact_redis_url(c.cluster.url));
    }
    if (c.observability.dashboard) args.push_back("--dashboard");
    if (!c.apps_file.empty()) {
        args.push_back("--apps");
        args.push_back(c.apps_file);
    }
    if (!c.phoenix_deny_push_prefixes.empty()) {
        std::string joined;
        for (const auto& p : c.phoenix_deny_push_prefixes)
            joined += (joined.empty() ? "" : ",") + p;
        args.push_back("--phoenix-deny-push");
        args.push_back(joined);
    }
    return args;
}

}  // namespace shoal::sup
