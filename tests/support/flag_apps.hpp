// SPDX-License-Identifier: MIT
// The one app of the --app-* flags, as a worker builds it without an apps file, and the scoped
// topic a channel of that app becomes (common/apps/app_topic.hpp), for tests that look at the
// channel core below the protocols.
#pragma once

#include <string>
#include <string_view>

#include "common/apps/app.hpp"
#include "common/apps/app_topic.hpp"
#include "common/config.hpp"

namespace shoal::test {

inline common::AppSet flag_apps(const common::Config& config) {
    return common::AppSet({common::app_from_flags(config)});
}

// A channel of the default flag app ("app-id") as the hub names it.
inline std::string flag_topic(std::string_view name) {
    return common::scope_topic(common::Config{}.app.id, name);
}

}  // namespace shoal::test
