// SPDX-License-Identifier: MIT
// CLI11 parsing of LoadOptions (exceptions stay inside this startup boundary).
#include "bench/loadgen/loadgen_options.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>

namespace shoal::loadgen {

common::Result<LoadOptions> parse_load_options(int argc, char** argv) {
    LoadOptions o;
    CLI::App app{"shoal_loadgen: a fan-out load generator for Pusher protocol 7 servers"};
    std::string mode = "api";
    app.add_option("--host", o.host, "server IPv4 address");
    app.add_option("--port", o.port, "server port");
    app.add_option("--app-id", o.app.id, "app id");
    app.add_option("--app-key", o.app.key, "app key");
    app.add_option("--app-secret", o.app.secret, "app secret");
    app.add_option("-n,--connections", o.connections, "subscriber connections")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("-c,--channels", o.channels, "channels (subscriber i joins i % C)")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--channel-prefix", o.channel_prefix, "channel name prefix");
    app.add_option("-s,--payload", o.payload_bytes, "event data bytes (>= 38, the stamp)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
    std::string fill = "x";
    app.add_option("--payload-fill", fill,
                   "after the stamp: x (compresses to nothing) or json (escaped JSON text that "
                   "compresses like real data)")
        ->check(CLI::IsMember({"x", "json"}));
    app.add_option("--source-addresses", o.source_addresses,
                   "use 127.0.0.1..N as source addresses (0: one per 25,000 connections)")
        ->check(CLI::Range(0, 250));
    app.add_option("--connect-concurrency", o.connect_concurrency, "handshakes in flight")
        ->check(CLI::Range(1, 100'000));
    app.add_option("--connect-timeout", o.connect_timeout_s, "seconds to set up all clients");
    app.add_option("--publish", mode, "api (signed batch_events) or client (client events)")
        ->check(CLI::IsMember({"api", "client"}));
    app.add_option("-r,--rate", o.rate, "events/s over all channels (0: as fast as absorbed)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--api-port", o.api_port, "publish API events to this port (default --port)");
    app.add_flag("--tls", o.tls,
                 "subscribers connect with TLS (a full handshake each, the certificate unchecked); "
                 "API events still go as plain HTTP (to --api-port)");
    app.add_flag("--deflate", o.deflate,
                 "subscribers offer permessage-deflate (the server must compress without "
                 "context); a compressed frame after subscribing counts as a delivery, one in 8 "
                 "is inflated, checked and timed");
    app.add_option("--api-connections", o.api_connections,
                   "keep-alive API connections (0: enough requests in flight to fill --window)")
        ->check(CLI::Range(0, 256));
    app.add_option("--batch", o.batch, "events per batch_events request")->check(CLI::Range(1, 10));
    app.add_option("--window", o.window_per_subscriber,
                   "as-fast-as-absorbed mode: undelivered messages allowed per subscriber")
        ->check(CLI::Range(1, 100'000));
    app.add_option("-d,--duration", o.duration_s, "seconds of publishing")
        ->check(CLI::Range(0.1, 3600.0));
    app.add_option("--drain-ms", o.drain_ms, "wait this long for the last deliveries")
        ->check(CLI::Range(0, 600'000));
    app.add_option("--settle-ms", o.settle_ms, "idle time before the RSS sample")
        ->check(CLI::Range(0, 60'000));
    app.add_option("--warmup-ms", o.warmup_ms,
                   "events sent in the first ms of publishing give no latency sample")
        ->check(CLI::Range(0, 600'000));
    app.add_flag("--busy-poll", o.busy_poll,
                 "spin while publishing and draining: keeps the load generator's wake-ups out of "
                 "the latency, at the cost of one core");
    app.add_option("--server-pid", o.server_pid, "sample CPU/RSS of this pid and descendants");
    app.add_flag("--json", o.json, "print one JSON object instead of the table");
    app.add_option("--label", o.label, "free text carried into the report");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return common::Error{common::Errc::InvalidArgument, 0, "help\n" + app.help()};
    } catch (const CLI::ParseError& e) {
        return common::Error{common::Errc::InvalidArgument, 0, e.what()};
    }
    o.mode = mode == "client" ? PublishMode::Client : PublishMode::Api;
    o.payload_fill = fill == "json" ? PayloadFill::Json : PayloadFill::X;
    return normalized(o);
}

LoadOptions normalized(LoadOptions o) {
    if (o.source_addresses <= 0) o.source_addresses = 1 + o.connections / 25'000;
    if (o.api_connections <= 0) {
        // One request owes batch x (subscribers per channel) deliveries; keep about a window's
        // worth in flight so a server that answers quickly is never left waiting for work.
        const double per_request =
            static_cast<double>(o.batch) * o.connections / std::max(1, o.channels);
        const auto window =
            static_cast<double>(delivery_window(o, static_cast<std::uint64_t>(o.connections)));
        o.api_connections = std::clamp(static_cast<int>(window / per_request), 4, 64);
    }
    return o;
}

std::uint64_t delivery_window(const LoadOptions& o, std::uint64_t subscribers) noexcept {
    const std::uint64_t per_channel = (subscribers + static_cast<std::uint64_t>(o.channels) - 1) /
                                      static_cast<std::uint64_t>(std::max(1, o.channels));
    const std::uint64_t two_requests = 2 * static_cast<std::uint64_t>(o.batch) * per_channel;
    return std::max(static_cast<std::uint64_t>(o.window_per_subscriber) * subscribers,
                    two_requests);
}

std::string validate(const LoadOptions& o) {
    if (o.channels > o.connections) return "more channels than connections";
    if (o.tls && o.mode == PublishMode::Api && o.api_port == 0)
        return "--tls publishes API events as plain HTTP: give --api-port (the plain port)";
    if (o.mode == PublishMode::Client && o.connections < 2 * o.channels) {
        return "client events need at least two subscribers per channel (the sender gets none)";
    }
    return {};
}

}  // namespace shoal::loadgen
