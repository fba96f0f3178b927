// SPDX-License-Identifier: MIT
#include "supervisor/supervisor_main.hpp"

#include "common/log.hpp"

namespace shoal::sup {

int run_supervisor(const common::Config& config) {
    SHOAL_ERROR("shoal serve is not available in this revision (host=%s port=%u workers=%u)",
                config.host.c_str(), config.port, config.effective_workers());
    return 78;
}

int run_status(const common::Config& config, bool) {
    SHOAL_ERROR("shoal status is not available in this revision: bus=%s",
                config.effective_bus_name().c_str());
    return 78;
}

}  // namespace shoal::sup
