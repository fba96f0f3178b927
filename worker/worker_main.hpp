// SPDX-License-Identifier: MIT
// Entry point of a worker process.
#pragma once

#include "common/config.hpp"

namespace shoal::worker {

struct WorkerOptions {
    int slot = -1;       // -1: standalone, no bus
    int listen_fd = -1;  // inherited listening socket; -1: bind config.host:config.port itself
    int plain_listen_fd = -1;  // inherited --plain-port socket; -1: bind it itself (if set)
};

// Runs the worker's loop until told to stop; returns the process exit code.
int run_worker(const common::Config& config, const WorkerOptions& options);

}  // namespace shoal::worker
