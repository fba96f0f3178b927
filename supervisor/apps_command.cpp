// SPDX-License-Identifier: MIT
#include "supervisor/apps_command.hpp"

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/apps/apps_file.hpp"
#include "supervisor/bus_lock.hpp"

namespace shoal::sup {

int run_apps_check(const std::string& file) {
    auto apps = common::load_apps_file(file);
    if (!apps) {
        std::fprintf(stderr, "shoal apps check: %s\n", apps.error().message().c_str());
        return 78;
    }
    std::printf("%s: %zu apps, valid\n", file.c_str(), apps.value().size());
    return 0;
}

int run_apps_reload(const common::Config& config) {
    const std::string bus = config.effective_bus_name();
    auto pid = BusLock::holder(bus);
    if (!pid) {
        std::fprintf(stderr, "shoal apps reload: %s\n", pid.error().message().c_str());
        return 1;
    }
    if (::kill(static_cast<pid_t>(pid.value()), SIGHUP) != 0) {
        std::fprintf(stderr, "shoal apps reload: kill(%ld, SIGHUP) failed: %s\n", pid.value(),
                     std::strerror(errno));
        return 1;
    }
    // The outcome (reloaded, or refused with the reason) is in the supervisor's log.
    std::printf("shoal apps reload: SIGHUP sent to the supervisor (pid %ld) of bus %s\n",
                pid.value(), bus.c_str());
    return 0;
}

}  // namespace shoal::sup
