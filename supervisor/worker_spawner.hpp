// SPDX-License-Identifier: MIT
// Starts one worker with uv_spawn (fork + exec of this same binary, STYLE 1):
//   shoal worker --slot i --listen-fd 3 <to_args(config)>
// fd 3 is the inherited listening socket and fds 4.. the bus's extra fds (wake-up eventfds), all
// mapped explicitly; everything else the supervisor holds is close-on-exec. A --plain-port socket
// beside a TLS one comes after the extra fds (--plain-listen-fd names it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <uv.h>

#include "common/config.hpp"
#include "common/result.hpp"

namespace shoal::sup {

inline constexpr int kWorkerListenFd = 3;
inline constexpr int kWorkerFirstExtraFd = 4;

// The worker reads these to find its supervisor (parent-death check) and its epoch.
inline constexpr const char* kEnvSupervisorPid = "SHOAL_SUPERVISOR_PID";
inline constexpr const char* kEnvEpoch = "SHOAL_WORKER_EPOCH";
// The worker's wake-up eventfds, slot order, comma-separated ("4,5,6"): fds 4.. as mapped.
inline constexpr const char* kEnvWakeupFds = "SHOAL_WAKEUP_FDS";

struct SpawnRequest {
    std::string exe_path;  // this binary
    int slot = 0;
    std::uint64_t epoch = 0;
    int listen_fd = -1;
    std::vector<int> extra_fds;            // become fds 4, 5, ... in the worker
    int plain_listen_fd = -1;              // becomes the fd after them; -1: none
    std::vector<std::string> config_args;  // to_args(config)
};

// The argv a worker is started with (without the program name), for logs and tests.
std::vector<std::string> worker_argv(const SpawnRequest& request);

// Spawns into `process` (owned by the caller, which must uv_close it after exit_cb). The worker
// gets its own session (UV_PROCESS_DETACHED) so a terminal's Ctrl-C reaches only the supervisor,
// which then drains the workers in order. Returns the child's pid.
common::Result<int> spawn_worker(uv_loop_t* loop, uv_process_t* process,
                                 const SpawnRequest& request, uv_exit_cb on_exit);

}  // namespace shoal::sup
