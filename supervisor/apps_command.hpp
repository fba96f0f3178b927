// SPDX-License-Identifier: MIT
// `shoal apps check FILE` validates an apps file as `serve` would (exit 0, or 78 with the
// reason), and `shoal apps reload` asks the running supervisor of a port or bus to re-read its
// apps file (SIGHUP to the pid holding the bus lock; exit 1 when no supervisor runs there).
#pragma once

#include <string>

#include "common/config.hpp"

namespace shoal::sup {

int run_apps_check(const std::string& file);
int run_apps_reload(const common::Config& config);

}  // namespace shoal::sup
