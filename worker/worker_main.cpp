// SPDX-License-Identifier: MIT
#include "worker/worker_main.hpp"

#include "common/log.hpp"

namespace shoal::worker {

int run_worker(const common::Config& config, const WorkerOptions& options) {
    SHOAL_ERROR("shoal worker is not available in this revision (slot=%d port=%u)", options.slot,
                config.port);
    return 78;
}

}  // namespace shoal::worker
