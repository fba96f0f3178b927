// SPDX-License-Identifier: MIT
// The status snapshot as JSON: `shoal status --json` and a worker's GET /status print the same.
#pragma once

#include "shm_bus/observability/host_status.hpp"

#include <string>

namespace shoal::obs {

std::string render_json(const ServerStatus& status);

}  // namespace shoal::obs
