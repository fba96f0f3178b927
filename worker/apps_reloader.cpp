// SPDX-License-Identifier: MIT
#include "worker/apps_reloader.hpp"

#include <malloc.h>

#include "common/apps/apps_file.hpp"
#include "common/log.hpp"

namespace shoal::worker {

common::Result<common::AppSet> initial_apps(const common::Config& config, std::string& text) {
    if (config.apps_file.empty()) return common::AppSet({common::app_from_flags(config)});
    auto read = common::read_apps_file(config.apps_file);
    if (!read) return read.error();
    auto apps = common::parse_apps(read.value());
    if (!apps)
        return common::Error{common::Errc::Config, 0,
                             "apps file " + config.apps_file + ": " + apps.error().context};
    text = std::move(read).value();
    return common::AppSet(std::move(apps).value());
}

void AppsReloader::trim() noexcept {
    // Parsing a large file peaks at several times its size (the JSON DOM); glibc keeps freed
    // memory in its arenas unless asked, and a loaded file should not cost its peak for good.
    ::malloc_trim(0);
}

void AppsReloader::reload() {
    if (path_.empty()) return;
    auto read = common::read_apps_file(path_);
    if (!read) {
        SHOAL_ERROR("apps reload: %s; the apps stay as they were", read.error().message().c_str());
        return;
    }
    const std::size_t hash = std::hash<std::string_view>{}(read.value());
    if (hash == hash_) return;
    auto apps = common::parse_apps(read.value());
    if (!apps) {
        SHOAL_ERROR("apps reload: %s: %s; the apps stay as they were", path_.c_str(),
                    apps.error().context.c_str());
        return;
    }
    const std::size_t n = apps.value().size();
    app_.replace_apps(common::AppSet(std::move(apps).value()));
    hash_ = hash;
    trim();
    SHOAL_INFO("apps reloaded: %zu apps", n);
}

}  // namespace shoal::worker
