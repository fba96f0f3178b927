// SPDX-License-Identifier: MIT
// A worker process: one libuv loop, the transport (net::Server), the app handler and signals.
// SIGTERM/SIGINT drain gracefully (farewell, 1001, exit 0 when drained or at the deadline).
#include "worker/worker_main.hpp"

#include <uv.h>

#include "common/log.hpp"
#include "worker/bus_bridge/supervisor_link.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/net/handler.hpp"
#include "worker/net/server.hpp"
#include "worker/session/protocol_router.hpp"

namespace shoal::worker {
namespace {

constexpr int kExitConfig = 78;

struct WorkerRun {
    uv_loop_t* loop;
    net::Server* server;
    SupervisorLink* link;
    std::uint32_t deadline_ms;
    uv_signal_t sigterm;
    uv_signal_t sigint;
};

void on_drained(void* arg) {
    auto* w = static_cast<WorkerRun*>(arg);
    w->link->close();
    uv_close(reinterpret_cast<uv_handle_t*>(&w->sigterm), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&w->sigint), nullptr);
}

void on_signal(uv_signal_t* h, int signum) {
    auto* w = static_cast<WorkerRun*>(h->data);
    SHOAL_INFO("signal %d: draining", signum);
    w->server->shutdown(w->deadline_ms, on_drained, w);
}

}  // namespace

int run_worker(const common::Config& config, const WorkerOptions& options) {
    common::log_configure({config.log_level, config.log_format, "worker", options.slot});
    uv_loop_t loop;
    uv_loop_init(&loop);
    auto link = SupervisorLink::start(&loop, config, options.slot);  // heartbeat, parent death
    if (!link) {
        SHOAL_ERROR("%s", link.error().message().c_str());
        return kExitConfig;
    }
    net::Server server(&loop, config);
    WorkerRun run{&loop, &server, link->get(), config.policy.shutdown_deadline_ms, {}, {}};

    // One channel hub for both protocol adapters (and, with a bus, the bridge).
    channel::ChannelHub hub(server,
                            options.slot < 0 ? 0u : static_cast<std::uint32_t>(options.slot));
    session::ProtocolRouter app(config, hub);
    auto started = server.start(app, app, options.listen_fd);

    int code = 0;
    if (!started) {
        SHOAL_ERROR("%s", started.error().message().c_str());
        code = kExitConfig;
        server.shutdown(0, nullptr, nullptr);
        (*link)->close();
    } else {
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
