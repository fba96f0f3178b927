// SPDX-License-Identifier: MIT
#include "common/config.hpp"

#include <thread>

namespace shoal::common {

unsigned Config::effective_workers() const noexcept {
    if (workers != 0) return workers;
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : n;
}

std::string Config::effective_bus_name() const {
    return bus_name.empty() ? "shoal-" + std::to_string(port) : bus_name;
}

bool parse_compression(std::string_view text, Compression& out) noexcept {
    if (text == "off") {
        out = Compression::Off;
    } else if (text == "shared") {
        out = Compression::Shared;
    } else if (text == "dedicated") {
        out = Compression::Dedicated;
    } else {
        return false;
    }
    return true;
}

const char* compression_text(Compression mode) noexcept {
    switch (mode) {
        case Compression::Shared:
            return "shared";
        case Compression::Dedicated:
            return "dedicated";
        case Compression::Off:
            break;
    }
    return "off";
}

Result<void> Config::validate() const {
    auto bad = [](std::string what) { return Error{Errc::Config, 0, std::move(what)}; };
    if (effective_workers() > 64) return bad("--workers must be between 1 and 64");
    if (app.id.empty() || app.key.empty() || app.secret.empty())
        return bad("app id, key and secret must not be empty");
    for (char c : effective_bus_name()) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) return bad("--bus-name may hold only [A-Za-z0-9._-]");
    }
    if (limits.max_message_bytes < 1024) return bad("max message size must be at least 1024");
    if (limits.max_event_bytes > limits.max_message_bytes)
        return bad("max event size must not exceed the max message size");
    if (limits.client_events_per_second == 0) return bad("client events per second must be > 0");
    if (limits.cache_ttl_s == 0) return bad("--cache-ttl-s must be > 0");
    if (limits.max_cached_channels == 0) return bad("--max-cached-channels must be > 0");
    if (policy.heartbeat_timeout_ms < 2 * policy.heartbeat_interval_ms)
        return bad("heartbeat timeout must be at least twice the heartbeat interval");
    if (policy.breaker_failures == 0) return bad("breaker failures must be > 0");
    if (!cluster.url.empty() && !cluster.url.starts_with("redis://"))
        return bad("--cluster must be redis://[[user]:password@]host[:port][/db]");
    if (cluster.host_timeout_ms < 300) return bad("--cluster-host-timeout-ms must be >= 300");
    if (tls.cert_file.empty() != tls.key_file.empty())
        return bad("--tls-cert and --tls-key go together");
    if (tls.plain_port != 0 && !tls.enabled()) return bad("--plain-port needs --tls-cert");
    if (tls.plain_port != 0 && tls.plain_port == port)
        return bad("--plain-port must differ from --port");
    if (compression.window_bits < 9 || compression.window_bits > 15)
        return bad("--compression-window-bits must be between 9 and 15");
    if (webhooks.grace_ms > 3'600'000) return bad("--webhook-grace-ms must be at most 3600000");
    if (webhooks.batch_ms > 10'000) return bad("--webhook-batch-ms must be at most 10000");
    if (webhooks.batch_max < 1 || webhooks.batch_max > 10'000)
        return bad("--webhook-batch-max must be between 1 and 10000");
    if (webhooks.queue_bytes < 64 * 1024) return bad("--webhook-queue-bytes must be >= 65536");
    if (webhooks.timeout_ms < 100 || webhooks.timeout_ms > 600'000)
        return bad("--webhook-timeout-ms must be between 100 and 600000");
    if (webhooks.retry_for_ms > 86'400'000)
        return bad("--webhook-retry-for-ms must be at most 86400000");
    return {};
}

}  // namespace shoal::common
