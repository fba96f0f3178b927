// SPDX-License-Identifier: MIT
// TEST-ONLY fault switch for the fault scripts. When SHOAL_FAULT_FILE names a file, a worker reads
// it once at each start. Tokens (whitespace or commas): `N` or `*` makes slot N (or every slot)
// abort at start, as a worker with a start-up bug would; `N:config` makes it exit 78 as on a
// configuration error. Deleting the file removes the fault while the supervisor runs.
// Production deployments never set SHOAL_FAULT_FILE.
#pragma once

#include <string_view>

namespace shoal::worker {

inline constexpr const char* kEnvFaultFile = "SHOAL_FAULT_FILE";

enum class StartFault { None, Crash, ConfigError };

StartFault fault_for_slot(std::string_view contents, int slot) noexcept;

// Reads SHOAL_FAULT_FILE and acts on it: abort() or exit 78. No-op when unset or absent.
void apply_start_fault(int slot);

}  // namespace shoal::worker
