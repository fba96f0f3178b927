// SPDX-License-Identifier: MIT
// CPU time and RSS of a process and all its descendants (a `shoal serve` supervisor and its
// workers), read from /proc, and this process's own CPU time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>

#include "common/result.hpp"

namespace shoal::loadgen {

struct ProcStat {
    pid_t pid = 0;
    pid_t ppid = 0;
    std::uint64_t cpu_ticks = 0;  // utime + stime, in clock ticks
    std::uint64_t rss_pages = 0;
};

// Parses one /proc/PID/stat line (the command name may hold spaces and parentheses).
bool parse_proc_stat(std::string_view line, ProcStat& out) noexcept;

struct TreeSample {
    double cpu_s = 0;             // summed over the tree
    std::uint64_t rss_bytes = 0;  // summed over the tree
    // Private (anonymous) resident memory: RSS less file-backed and shared pages (statm). The
    // first use of a code path pages its code in, which is not memory per connection.
    std::uint64_t anon_rss_bytes = 0;
    // Resident pages of shared memory (RssShmem: the bus segment's rings, which every process
    // that reads or writes a ring page pays for); the rest of the shared part is file-backed.
    std::uint64_t shmem_rss_bytes = 0;
    std::uint64_t root_rss_bytes = 0;  // the root process alone (the supervisor)
    int processes = 0;
};

// The kB value of a "Name:" line of /proc/PID/status text; 0 when missing.
std::uint64_t status_kib(std::string_view status, std::string_view name) noexcept;

// The process `root` and every descendant alive now. An error when root does not exist.
common::Result<TreeSample> sample_tree(pid_t root);
// Busy CPU seconds (all but idle and iowait) from the aggregate "cpu " line of /proc/stat.
bool parse_machine_busy(std::string_view stat_line, std::uint64_t& busy_ticks) noexcept;
// Busy CPU seconds of the whole machine since boot, summed over its cores; -1 if unreadable.
double machine_busy_s() noexcept;
// This process's user + system CPU seconds.
double own_cpu_s() noexcept;

}  // namespace shoal::loadgen
