// SPDX-License-Identifier: MIT
// A process's resident memory and CPU time, read from /proc/<pid>/stat, for the per-worker
// gauges of /metrics and /status. Any process of the same user may read another's.
#pragma once

#include <cstdint>
#include <string_view>

namespace shoal::obs {

struct ProcStats {
    bool ok = false;
    std::uint64_t rss_bytes = 0;
    double cpu_seconds = 0;  // user + system
};

// Parses the text of /proc/<pid>/stat (pure; the comm field may hold spaces and parentheses).
ProcStats parse_proc_stat(std::string_view text, long ticks_per_s, long page_bytes) noexcept;
// Reads /proc/<pid>/stat; ok is false when the process is gone or pid is 0.
ProcStats read_proc_stats(std::uint32_t pid) noexcept;

}  // namespace shoal::obs
