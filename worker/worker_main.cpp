// SPDX-License-Identifier: MIT
// A worker process: one libuv loop, the transport (net::Server), the app's route table and signals.
// SIGTERM/SIGINT drain gracefully (farewell, 1001, exit 0 when drained or at the deadline).
// SIGHUP re-reads the TLS certificate and key (the supervisor forwards its own SIGHUP).
#include "worker/worker_main.hpp"

#include <cstdlib>
#include <memory>
#include <optional>
#include <random>

#include <uv.h>

#include "common/log.hpp"
#include "worker/apps_reloader.hpp"
#include "worker/bus_bridge/bus_endpoint.hpp"
#include "worker/bus_bridge/history_access.hpp"
#include "worker/bus_bridge/supervisor_link.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/net/fd_limit.hpp"
#include "worker/net/handler.hpp"
#include "worker/net/health_route.hpp"
#include "worker/net/server.hpp"
#include "worker/observability/observability_routes.hpp"
#include "worker/worker_app.hpp"

namespace shoal::worker {
namespace {

constexpr int kExitConfig = 78;

struct WorkerRun {
    uv_loop_t* loop;
    net::Server* server;
    SupervisorLink* link;
    BusEndpoint* bus;
    std::uint32_t deadline_ms;
    uv_signal_t sigterm;
    uv_signal_t sigint;
    uv_signal_t sighup;
};

void on_drained(void* arg) {
    auto* w = static_cast<WorkerRun*>(arg);
    w->link->close();
    if (w->bus) w->bus->close();
    uv_close(reinterpret_cast<uv_handle_t*>(&w->sigterm), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&w->sigint), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&w->sighup), nullptr);
}

void on_reload(uv_signal_t* h, int) {
    auto* w = static_cast<WorkerRun*>(h->data);
    if (auto r = w->server->reload_tls(); !r)
        SHOAL_ERROR("SIGHUP: %s; keeping the previous certificate", r.error().message().c_str());
}

void on_signal(uv_signal_t* h, int signum) {
    auto* w = static_cast<WorkerRun*>(h->data);
    SHOAL_INFO("signal %d: draining", signum);
    w->server->shutdown(w->deadline_ms, on_drained, w);
}

// A slot worker's socket ids end in two digits naming its slot (+1), so clients and tests can
// tell which worker they reached; the rest stays random (ids unguessable across restarts).
// Raises the open-file limit toward what --max-connections needs. Where the hard limit is lower,
// the worker takes fewer connections, so a client past them gets the over-capacity answer (503)
// instead of being closed unanswered by libuv when accept() runs out of descriptors. Never fatal:
// a worker serving fewer clients than configured beats a worker that does not start.
void fit_open_file_limit(common::Config& config) {
    const std::uint64_t wanted = config.limits.max_connections + net::kFdHeadroom;
    auto limit = net::raise_fd_limit(wanted);
    if (!limit) {
        SHOAL_WARN("%s", limit.error().message().c_str());
        return;
    }
    if (limit->soft >= wanted) return;
    const std::uint64_t usable =
        limit->soft > 2 * net::kFdHeadroom ? limit->soft - net::kFdHeadroom : limit->soft / 2;
    SHOAL_WARN(
        "open-file limit %llu (hard) caps this worker at %llu connections, below "
        "--max-connections %u; raise the hard limit (ulimit -Hn, systemd LimitNOFILE=)",
        static_cast<unsigned long long>(limit->hard), static_cast<unsigned long long>(usable),
        config.limits.max_connections);
    config.limits.max_connections = static_cast<std::uint32_t>(usable);
}

std::uint32_t socket_prefix_for(int slot) {
    if (slot < 0) return 0;  // WorkerApp picks a random one
    std::random_device rd;
    return (1 + rd() % 9'999'999u) * 100u + static_cast<std::uint32_t>(slot) + 1u;
}

}  // namespace

int run_worker(const common::Config& config_in, const WorkerOptions& options) {
    common::log_configure({config_in.log_level, config_in.log_format, "worker", options.slot});
    common::Config config = config_in;
    fit_open_file_limit(config);
    uv_loop_t loop;
    uv_loop_init(&loop);
    auto link = SupervisorLink::start(&loop, config, options.slot);  // heartbeat, parent death
    if (!link) {
        SHOAL_ERROR("%s", link.error().message().c_str());
        return kExitConfig;
    }
    // A slot worker counts into its slot's block, continuing its predecessors' counts; a
    // standalone worker into one of its own.
    common::CounterBlock own_counters{};
    bus::Segment* segment = (*link)->segment();
    common::CounterBlock& counters =
        segment ? segment->slot(static_cast<std::uint32_t>(options.slot)).counters : own_counters;
    common::settle_sessions(counters);
    net::Server server(&loop, config, counters);
    channel::ChannelHub hub(server, options.slot < 0 ? 0 : static_cast<std::uint32_t>(options.slot),
                            (*link)->epoch());
    hub.attach_counters(counters);
    // Both protocol adapters share the hub (and through it the bus): one namespace. They exist
    // before the bus starts, so the snapshot answers find them (the Pusher cache channels' last
    // events are kept by the Pusher side).
    std::string apps_text;
    auto apps = initial_apps(config, apps_text);
    if (!apps) {
        SHOAL_ERROR("%s", apps.error().message().c_str());
        return kExitConfig;
    }
    WorkerApp app(config, hub, std::move(apps).value(), socket_prefix_for(options.slot));
    AppsReloader apps_reloader(config.apps_file, apps_text, app);
    apps_text = std::string();  // only its hash is kept
    AppsReloader::trim();
    net::HealthRoute health(server);
    health.add_to(app.router());
    ObservabilityRoutes observability(segment, config.effective_bus_name(), counters, server, hub,
                                      config.observability.dashboard);
    observability.add_to(app.router());
    std::unique_ptr<BusEndpoint> bus;
    std::optional<HistoryAccess> history;
    // Alone or in a cluster (where Redis numbers the events: docs/history.md, "Cluster").
    if (options.slot >= 0) {
        // Before the bus: sequenced events may be the first records this worker reads.
        auto h = HistoryAccess::attach(config.effective_bus_name());
        if (h) {
            history.emplace(std::move(h).value());
            hub.attach_history(&*history);
        } else {
            SHOAL_WARN("history: %s; history channels are served without it",
                       h.error().message().c_str());
        }
    }
    if (options.slot >= 0) {
        // Before accepting: a restarted worker must know the host's presence state first.
        auto b = BusEndpoint::start(&loop, **link, hub, options.slot, !config.cluster.url.empty());
        if (!b) {
            SHOAL_ERROR("%s", b.error().message().c_str());
            return kExitConfig;
        }
        bus = std::move(b.value());
        bus->bridge().on_apps_changed(&AppsReloader::on_changed, &apps_reloader);
        apps_reloader.reload();  // a reload announced before the bridge read the control ring
        // No UV_TCP_SINGLE_ACCEPT: with it libuv sleeps after every accept (nanosleep, a
        // context switch), which halved the connection rate; accept pacing alone keeps the
        // spread even (docs/benchmarks.md).
    }
    WorkerRun run{&loop, &server, link->get(), bus.get(), config.policy.shutdown_deadline_ms,
                  {},    {},      {}};

    // Watched before the certificate is first read: a SIGHUP that arrives meanwhile reloads
    // once the loop runs, so no change of the files is missed.
    uv_signal_init(&loop, &run.sighup);
    run.sighup.data = &run;
    uv_signal_start(&run.sighup, on_reload, SIGHUP);
    auto started = server.start(app.router(), options.listen_fd, options.plain_listen_fd);

    int code = 0;
    if (!started) {
        SHOAL_ERROR("%s", started.error().message().c_str());
        code = kExitConfig;
        server.shutdown(0, nullptr, nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&run.sighup), nullptr);
        (*link)->close();
        if (bus) bus->close();
    } else {
        if (bus) bus->pace_accepts(server);
        (*link)->count_connections_with(
            [](const void* s) -> std::uint64_t {
                return static_cast<const net::Server*>(s)->connection_count();
            },
            &server);
        uv_signal_init(&loop, &run.sigterm);
        uv_signal_init(&loop, &run.sigint);
        run.sigterm.data = run.sigint.data = &run;
        uv_signal_start(&run.sigterm, on_signal, SIGTERM);
        uv_signal_start(&run.sigint, on_signal, SIGINT);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (code == 0) SHOAL_INFO("drained, exiting");
    return code;
}

}  // namespace shoal::worker
