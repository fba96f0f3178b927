// SPDX-License-Identifier: MIT
#include "worker/net/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace shoal::net {

common::Result<FdLimit> raise_fd_limit(std::uint64_t wanted) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return common::sys_error("getrlimit(NOFILE) failed");
    const rlim_t target = std::min<rlim_t>(static_cast<rlim_t>(wanted), rl.rlim_max);
    if (rl.rlim_cur < target) {
        rlimit raised = rl;
        raised.rlim_cur = target;
        if (::setrlimit(RLIMIT_NOFILE, &raised) != 0)
            return common::sys_error("setrlimit(NOFILE) failed");
        rl = raised;
    }
    return FdLimit{static_cast<std::uint64_t>(rl.rlim_cur),
                   static_cast<std::uint64_t>(rl.rlim_max)};
}

}  // namespace shoal::net
