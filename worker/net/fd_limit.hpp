// SPDX-License-Identifier: MIT
// The open-file limit a worker runs under. Many systems start processes with a soft limit of
// 1024 and a far higher hard limit; a worker left at 1024 would stop accepting near a thousand
// clients whatever --max-connections says. So a worker raises its soft limit toward what its
// connections need, as far as the hard limit allows, and says so when that is not enough.
#pragma once

#include <cstdint>

#include "common/result.hpp"

namespace shoal::net {

struct FdLimit {
    std::uint64_t soft = 0;  // in force after the call
    std::uint64_t hard = 0;
};

// Descriptors a worker holds besides its clients: the listener, the loop's own (epoll, signals,
// eventfds, the reserve libuv keeps for EMFILE), the bus mapping, logs, HTTP API connections.
inline constexpr std::uint64_t kFdHeadroom = 256;

// Raises the soft RLIMIT_NOFILE to min(wanted, hard); never lowers it.
common::Result<FdLimit> raise_fd_limit(std::uint64_t wanted);

}  // namespace shoal::net
