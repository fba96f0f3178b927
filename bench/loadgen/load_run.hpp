// SPDX-License-Identifier: MIT
// One bounded load run: connect and subscribe every client, publish for --duration, drain, and
// measure. Returns when done (or an environment failure); it never runs past its limits.
#pragma once

#include "bench/loadgen/load_report.hpp"
#include "bench/loadgen/loadgen_options.hpp"
#include "common/result.hpp"

namespace shoal::loadgen {

common::Result<RunReport> run_load(const LoadOptions& options);

}  // namespace shoal::loadgen
