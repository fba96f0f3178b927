// SPDX-License-Identifier: MIT
// Entry points of the supervisor process and of `shoal status`.
#pragma once

#include "common/config.hpp"

namespace shoal::sup {

// Runs until SIGTERM/SIGINT; returns the process exit code.
int run_supervisor(const common::Config& config);

// Attaches to a running server's bus read-only and prints its state.
int run_status(const common::Config& config, bool json);

}  // namespace shoal::sup
