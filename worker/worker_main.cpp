// SPDX-License-Identifier: MIT
// Stand-in worker until the transport lands: it keeps its supervisor link (heartbeat, parent
// death) and waits for SIGTERM/SIGINT. It accepts nothing; connections wait in the shared queue.
#include "worker/worker_main.hpp"

#include <uv.h>

#include "common/log.hpp"
#include "worker/bus_bridge/supervisor_link.hpp"

namespace shoal::worker {

int run_worker(const common::Config& config, const WorkerOptions& options) {
    common::log_configure({config.log_level, config.log_format, "worker", options.slot});
    uv_loop_t loop;
    uv_loop_init(&loop);
    auto link = SupervisorLink::start(&loop, config, options.slot);
    if (!link) {
        SHOAL_ERROR("%s", link.error().message().c_str());
        return 78;
    }
    uv_signal_t sigterm;
    uv_signal_init(&loop, &sigterm);
    sigterm.data = link->get();
    uv_signal_start(
        &sigterm,
        [](uv_signal_t* h, int) {
            static_cast<SupervisorLink*>(h->data)->close();
            uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
        },
        SIGTERM);
    SHOAL_INFO("worker stand-in running (no transport in this revision)");
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 0;
}

}  // namespace shoal::worker
