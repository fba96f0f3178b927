// SPDX-License-Identifier: MIT
// `shoal serve`: lock the bus name, open the listen socket once, create the bus, run the loop.
// Every start-up failure is logged once here and exits 78 (EX_CONFIG).
#include "supervisor/supervisor_main.hpp"

#include <optional>

#include <uv.h>

#include "common/log.hpp"
#include "common/tls_server_context.hpp"
#include "supervisor/apps_snapshot.hpp"
#include "supervisor/bus_control.hpp"
#include "supervisor/bus_lock.hpp"
#include "supervisor/cluster/cluster_bridge.hpp"
#include "supervisor/history/history_sequencer.hpp"
#include "supervisor/listen_socket.hpp"
#include "supervisor/metrics_listener.hpp"
#include "supervisor/supervisor.hpp"
#include "supervisor/webhooks/webhook_sender.hpp"

namespace shoal::sup {
namespace {

constexpr int kExitConfig = 78;

int fail(const common::Error& e) {
    SHOAL_ERROR("shoal serve: %s", e.message().c_str());
    return kExitConfig;
}

}  // namespace

int run_supervisor(const common::Config& config_in) {
    common::log_configure({config_in.log_level, config_in.log_format, "supervisor", -1});
    common::Config config = config_in;
    config.bus_name = config.effective_bus_name();

    // Read here once so that a wrong path or a key that does not match ends `serve` with 78
    // before any worker starts (each worker reads the files again for itself).
    if (config.tls.enabled()) {
        auto tls = common::make_tls_server_context(config.tls.cert_file, config.tls.key_file);
        if (!tls) return fail(tls.error());
    }
    auto lock = BusLock::acquire(config.bus_name);
    if (!lock) return fail(lock.error());
    auto listen = ListenSocket::open(config.host, config.port);
    if (!listen) return fail(listen.error());
    config.port = listen->port();
    // The apps file is checked before the bus exists: a bad one stops the start with 78.
    std::optional<AppsSnapshot> apps;
    if (!config.apps_file.empty()) {
        auto a = AppsSnapshot::create(config.apps_file, config.bus_name);
        if (!a) return fail(a.error());
        apps.emplace(std::move(a).value());
        SHOAL_INFO("shoal serve: %zu apps from %s", apps->app_count(), config.apps_file.c_str());
        config.apps_file = apps->path();  // what the workers read
    }
    struct UnlinkAtExit {
        std::optional<AppsSnapshot>& apps;
        ~UnlinkAtExit() {
            if (apps) apps->unlink();
        }
    } unlink_apps{apps};
    std::optional<ListenSocket> plain;
    if (config.tls.plain_port != 0) {
        auto p = ListenSocket::open(config.host, config.tls.plain_port);
        if (!p) return fail(p.error());
        plain.emplace(std::move(p.value()));
    }
    auto bus = BusControl::create(lock.value(), config.bus_name, bus::bus_config_for(config));
    if (!bus) return fail(bus.error());

    char exe[4096];
    std::size_t exe_len = sizeof exe;
    if (int rc = uv_exepath(exe, &exe_len); rc != 0)
        return fail(common::Error{common::Errc::Spawn, -rc, "uv_exepath() failed"});

    uv_loop_t loop;
    uv_loop_init(&loop);
    SupervisorSetup setup{std::string(exe, exe_len), listen->fd(), bus.value()->wakeup_fds(),
                          plain ? plain->fd() : -1};
    Supervisor sup(&loop, config, *bus.value(), std::move(setup));
    loop.data = &sup;
    if (apps) sup.set_apps(&*apps);
    SHOAL_INFO("shoal serve: listening on %s:%u%s with %u workers, bus %s", config.host.c_str(),
               config.port, config.tls.enabled() ? " (TLS)" : "", config.effective_workers(),
               config.bus_name.c_str());
    // The cluster bridge attaches to the host view before the workers start, so it sees their
    // rings from the start, and closes itself when the view stops (after the last worker_down).
    std::unique_ptr<cluster::ClusterBridge> bridge;
    if (!config.cluster.url.empty()) {
        auto b = cluster::ClusterBridge::start(&loop, config, *bus.value(), sup.host_view());
        if (!b) return fail(b.error());
        bridge = std::move(b.value());
    }
    // Webhooks are sent from the host view, with the apps of the current snapshot (a reload
    // changes URLs, keys and secrets from the next event and the next attempt). In a cluster
    // the bridge's lease says which host sends the cluster's state events.
    const common::AppSet flag_apps(std::vector<common::App>{common::app_from_flags(config)});
    webhooks::SoleHost sole_host;
    webhooks::SenderOptions hook_options{config.webhooks, !bridge};
    auto hooks = webhooks::WebhookSender::start(
        &loop, sup.host_view(), bus.value()->segment(),
        [&]() -> const common::AppSet& { return apps ? apps->apps() : flag_apps; },
        bridge ? bridge->leadership() : static_cast<const webhooks::Leadership&>(sole_host),
        hook_options);
    if (!hooks) return fail(hooks.error());
    std::unique_ptr<webhooks::WebhookSender> sender = std::move(hooks.value());
    std::unique_ptr<MetricsListener> metrics;  // unreferenced: never keeps the loop alive
    if (config.observability.metrics_port != 0) {
        const host_view::HostView& view = sup.host_view();
        auto m = MetricsListener::start(&loop, config.observability.metrics_port,
                                        [&view] { return render_host_metrics(view); });
        if (!m) return fail(m.error());
        metrics = std::move(m.value());
        SHOAL_INFO("shoal serve: metrics on 127.0.0.1:%u/metrics", metrics->port());
    }
    // The history region exists before the first worker, which maps it read-only at start.
    bool any_history = false;
    if (apps)
        for (const common::App& a : apps->apps().apps())
            any_history = any_history || a.history.events != 0;
    auto seq =
        HistorySequencer::start(sup.host_view(), *bus.value(), bus::HistoryConfig{}, any_history);
    if (!seq) return fail(seq.error());
    std::unique_ptr<HistorySequencer> sequencer = std::move(seq.value());
    // In a cluster Redis numbers history events for every host (docs/history.md, "Cluster").
    if (bridge) {
        bridge->number_history(sequencer.get());
        sequencer->use_cluster(bridge.get());
    }
    sup.start();
    uv_run(&loop, UV_RUN_DEFAULT);
    if (metrics) {
        metrics->close();
        uv_run(&loop, UV_RUN_NOWAIT);  // the close callbacks
    }

    sender.reset();
    if (bridge) bridge->number_history(nullptr);
    sequencer.reset();
    bridge.reset();
    bus.value().reset();
    lock->release_and_unlink();
    if (uv_loop_close(&loop) != 0) SHOAL_WARN("shoal serve: handles left open at exit");
    SHOAL_INFO("shoal serve: stopped");
    return sup.finished() ? 0 : 1;
}

}  // namespace shoal::sup
