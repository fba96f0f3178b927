// SPDX-License-Identifier: MIT
// The phases of a run: set up, settle, measure, drain, sample. Publishing is open-loop at a
// fixed rate, or closed-loop "as fast as absorbed": a new request only while the deliveries
// still owed stay under --window per subscriber, so the server's send queues are never the
// thing being measured.
#include "bench/loadgen/load_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "bench/loadgen/api_publisher.hpp"
#include "bench/loadgen/client_publisher.hpp"
#include "bench/loadgen/proc_stats.hpp"
#include "bench/loadgen/run_state.hpp"
#include "bench/loadgen/subscriber.hpp"
#include "common/clock.hpp"

namespace shoal::loadgen {
namespace {

double seconds_between(std::uint64_t from_ns, std::uint64_t to_ns) {
    return to_ns > from_ns ? static_cast<double>(to_ns - from_ns) / 1e9 : 0.0;
}

std::optional<TreeSample> sample_server(const LoadOptions& o) {
    if (o.server_pid <= 0) return std::nullopt;
    auto s = sample_tree(o.server_pid);
    if (!s) return std::nullopt;
    return s.value();
}

void run_for(RunState& run, int ms) {
    const std::uint64_t end = common::monotonic_ns() + static_cast<std::uint64_t>(ms) * 1'000'000u;
    while (common::monotonic_ns() < end)
        run.loop.run_once(5);
}

void connect_all(RunState& run, Subscriber* subs, const sockaddr_in& dest, RunReport& r) {
    const LoadOptions& o = run.options;
    const auto n = static_cast<std::uint32_t>(o.connections);
    const std::uint64_t t0 = common::monotonic_ns();
    const auto deadline = t0 + static_cast<std::uint64_t>(o.connect_timeout_s * 1e9);
    std::uint32_t next = 0;
    // One source address: the kernel picks 127.0.0.1 itself, without a bind per client.
    sockaddr_in any_source{};
    any_source.sin_family = AF_INET;
    while (run.counters.subscribed + run.counters.failed < n && common::monotonic_ns() < deadline) {
        while (next < n && run.handshakes_in_flight < o.connect_concurrency) {
            const sockaddr_in source =
                o.source_addresses > 1
                    ? loopback_source(static_cast<int>(next) % o.source_addresses)
                    : any_source;
            subs[next].start(run, next, source, dest);
            ++next;
        }
        run.loop.run_once(1);
    }
    for (std::uint32_t i = 0; i < n; ++i)
        subs[i].abandon_setup();
    r.connect_s = seconds_between(t0, run.last_subscribed_ns);
    r.connect_rate = static_cast<double>(run.counters.established) /
                     std::max(1e-9, seconds_between(t0, run.last_established_ns));
}

struct Publisher {
    ApiPublisher* api = nullptr;
    ClientPublisher* client = nullptr;
    std::uint64_t publish(std::uint64_t n) { return api ? api->publish(n) : client->publish(n); }
    bool in_flight() const { return api != nullptr && api->in_flight(); }
};

// Publishes for the duration; returns the time publishing stopped.
std::uint64_t publish_phase(RunState& run, Publisher& pub, std::uint64_t t0) {
    const LoadOptions& o = run.options;
    const auto end = t0 + static_cast<std::uint64_t>(o.duration_s * 1e9);
    std::uint64_t scheduled = 0;
    std::uint64_t last_send = t0;
    std::uint64_t written_off = 0;
    for (std::uint64_t now = t0; now < end; now = common::monotonic_ns()) {
        if (o.rate > 0) {
            const auto due = static_cast<std::uint64_t>(o.rate * seconds_between(t0, now));
            if (due > scheduled) scheduled += pub.publish(due - scheduled);
        } else {
            const std::uint64_t window =
                delivery_window(o, std::max<std::uint64_t>(1, run.counters.subscribed));
            // Deliveries a lossy server never makes would hold the window shut for good; after
            // 100 ms without a delivery they are written off (they still count as lost).
            if (now > std::max(run.last_delivery_ns, last_send) + 100'000'000u) {
                written_off =
                    run.publish.expected - std::min(run.publish.expected, run.counters.delivered);
            }
            auto owed = [&] {
                const std::uint64_t open =
                    run.publish.expected - std::min(run.publish.expected, run.counters.delivered);
                return open - std::min(open, written_off);
            };
            while (owed() < window && pub.publish(static_cast<std::uint64_t>(o.batch)) > 0) {
                last_send = now;
            }
        }
        run.loop.run_once(o.busy_poll ? 0 : 1);
    }
    return common::monotonic_ns();
}

void fill_measurements(RunState& run, RunReport& r) {
    const ClientCounters& c = run.counters;
    r.established = c.established;
    r.subscribed = c.subscribed;
    r.failed = c.failed;
    r.dropped = c.dropped;
    r.pusher_errors = c.pusher_errors;
    r.unstamped = c.unstamped;
    r.pings = c.pings;
    r.published = run.publish.events;
    r.rejected = run.publish.events_rejected;
    r.requests = run.publish.requests;
    r.requests_failed = run.publish.requests_failed;
    r.expected = run.publish.expected;
    r.delivered = c.delivered;
    r.lost = r.expected > r.delivered ? r.expected - r.delivered : 0;
    const LogHistogram& h = run.latency;
    r.latency.samples = h.count();
    r.latency.p50_us = static_cast<double>(h.percentile(50)) / 1e3;
    r.latency.p90_us = static_cast<double>(h.percentile(90)) / 1e3;
    r.latency.p99_us = static_cast<double>(h.percentile(99)) / 1e3;
    r.latency.p999_us = static_cast<double>(h.percentile(99.9)) / 1e3;
    r.latency.max_us = static_cast<double>(h.max()) / 1e3;
    r.latency.mean_us = h.mean() / 1e3;
}

struct ServerSamples {
    std::optional<TreeSample> before;      // API connections open, no subscriber yet
    std::optional<TreeSample> connected;   // every subscriber set up, after the settle time
    std::optional<TreeSample> cpu_before;  // start of the measured window
    std::optional<TreeSample> cpu_after;   // end of the drain
};

void fill_server_figures(const ServerSamples& s, double cpu_window_s, RunReport& r) {
    if (!s.before || !s.connected || !s.cpu_before || !s.cpu_after) return;
    r.have_server = true;
    r.server_processes = s.cpu_after->processes;
    r.server_cpu_s = s.cpu_after->cpu_s - s.cpu_before->cpu_s;
    r.server_cores = r.server_cpu_s / std::max(1e-9, cpu_window_s);
    r.server_rss_before = s.before->rss_bytes;
    r.server_rss_connected = s.connected->rss_bytes;
    if (r.subscribed > 0) {
        r.server_rss_per_connection = (static_cast<double>(s.connected->rss_bytes) -
                                       static_cast<double>(s.before->rss_bytes)) /
                                      static_cast<double>(r.subscribed);
        r.server_anon_rss_per_connection = (static_cast<double>(s.connected->anon_rss_bytes) -
                                            static_cast<double>(s.before->anon_rss_bytes)) /
                                           static_cast<double>(r.subscribed);
        r.server_shmem_rss_per_connection = (static_cast<double>(s.connected->shmem_rss_bytes) -
                                             static_cast<double>(s.before->shmem_rss_bytes)) /
                                            static_cast<double>(r.subscribed);
        r.server_root_rss_per_connection = (static_cast<double>(s.connected->root_rss_bytes) -
                                            static_cast<double>(s.before->root_rss_bytes)) /
                                           static_cast<double>(r.subscribed);
    }
    if (r.delivered > 0) {
        r.server_cpu_ns_per_delivery = r.server_cpu_s * 1e9 / static_cast<double>(r.delivered);
    }
    if (r.subscribed > 0) {
        r.server_connect_cpu_us =
            (s.connected->cpu_s - s.before->cpu_s) * 1e6 / static_cast<double>(r.subscribed);
    }
}

}  // namespace

common::Result<RunReport> run_load(const LoadOptions& asked) {
    const LoadOptions o = normalized(asked);
    const std::uint64_t fd_limit = raise_fd_limit();
    const auto fds_needed = static_cast<std::uint64_t>(o.connections + o.api_connections + 32);
    if (fd_limit < fds_needed) {
        return common::Error{common::Errc::Config, 0,
                             "open-file limit " + std::to_string(fd_limit) + " is below the " +
                                 std::to_string(fds_needed) + " descriptors this run needs"};
    }
    auto dest = ipv4_address(o.host, o.port);
    if (!dest) return dest.error();
    RunState run(o);
    if (!run.loop.ok()) return common::sys_error("epoll_create1() failed");

    RunReport r;
    r.options = o;
    auto subs = std::make_unique<Subscriber[]>(static_cast<std::size_t>(o.connections));
    std::unique_ptr<ApiPublisher> api;
    std::unique_ptr<ClientPublisher> client;
    Publisher pub;
    if (o.mode == PublishMode::Api) {
        auto api_dest = ipv4_address(o.host, o.api_port ? o.api_port : o.port);
        if (!api_dest) return api_dest.error();
        api = std::make_unique<ApiPublisher>(run, loopback_source(0), api_dest.value());
        api->start();
        // API connections first, so the RSS baseline below already holds them.
        const std::uint64_t until = common::monotonic_ns() + 2'000'000'000u;
        while (api->connected() < o.api_connections && common::monotonic_ns() < until) {
            run.loop.run_once(1);
        }
        pub.api = api.get();
    } else {
        client = std::make_unique<ClientPublisher>(run, subs.get(),
                                                   static_cast<std::uint32_t>(o.connections));
        pub.client = client.get();
    }

    ServerSamples samples;
    samples.before = sample_server(o);
    connect_all(run, subs.get(), dest.value(), r);
    run_for(run, o.settle_ms);
    samples.connected = sample_server(o);

    if (run.counters.subscribed == 0) {  // nothing to measure; do not hammer a broken server
        fill_measurements(run, r);
        r.bottleneck = "none (no client subscribed)";
        return r;
    }
    samples.cpu_before = sample_server(o);
    const double machine_before = machine_busy_s();
    const double own_before = own_cpu_s();
    run.record_latency = true;
    const std::uint64_t bytes_before = run.counters.bytes_in;
    const std::uint64_t t0 = common::monotonic_ns();
    run.latency_from_ns = t0 + static_cast<std::uint64_t>(o.warmup_ms) * 1'000'000u;
    const std::uint64_t publish_end = publish_phase(run, pub, t0);
    const auto drain_deadline = publish_end + static_cast<std::uint64_t>(o.drain_ms) * 1'000'000u;
    while ((run.counters.delivered < run.publish.expected || pub.in_flight()) &&
           common::monotonic_ns() < drain_deadline) {
        run.loop.run_once(o.busy_poll ? 0 : 1);
    }
    // The window ends with the last delivery; an idle drain waiting for lost ones is not in it.
    const std::uint64_t window_end = std::max(publish_end, run.last_delivery_ns);
    run.record_latency = false;
    const double own_after = own_cpu_s();
    samples.cpu_after = sample_server(o);
    const double machine_after = machine_busy_s();
    // CPU rates use the interval the samples really span (to the end of the drain).
    const double cpu_window_s = seconds_between(t0, common::monotonic_ns());

    fill_measurements(run, r);
    r.wire_bytes = run.counters.bytes_in - bytes_before;
    r.inflated = run.counters.inflated;
    if (r.delivered > 0)
        r.wire_bytes_per_delivery =
            static_cast<double>(r.wire_bytes) / static_cast<double>(r.delivered);
    r.publish_s = seconds_between(t0, publish_end);
    r.window_s = seconds_between(t0, window_end);
    r.published_per_s = static_cast<double>(r.published) / std::max(1e-9, r.publish_s);
    r.deliveries_per_s = static_cast<double>(r.delivered) / std::max(1e-9, r.window_s);
    r.own_cpu_s = own_after - own_before;
    r.own_cores = r.own_cpu_s / std::max(1e-9, cpu_window_s);
    if (r.delivered > 0) {
        r.own_cpu_ns_per_delivery = r.own_cpu_s * 1e9 / static_cast<double>(r.delivered);
    }
    fill_server_figures(samples, cpu_window_s, r);
    r.machine_cores = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
    if (machine_before >= 0 && machine_after >= 0 && cpu_window_s > 0) {
        r.machine_busy_cores = (machine_after - machine_before) / cpu_window_s;
        r.other_cores = std::max(0.0, r.machine_busy_cores - r.own_cores - r.server_cores);
    }
    r.bottleneck = judge_bottleneck(r);
    return r;
}

}  // namespace shoal::loadgen
