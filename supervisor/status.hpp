// SPDX-License-Identifier: MIT
// `shoal status`: a read-only snapshot of a running server's bus rendered as text or JSON. The
// snapshot and its JSON live in observability/ (below the worker, whose GET /status and /metrics
// read the same); this keeps the supervisor's names for them and the text rendering.
#pragma once

#include "shm_bus/observability/host_status.hpp"
#include "shm_bus/observability/status_json.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace shoal::sup {

using obs::render_json;
using obs::RingStatus;
using obs::ServerStatus;
using obs::SlotStatus;
using obs::snapshot;

std::string render_text(const ServerStatus& status);

}  // namespace shoal::sup
