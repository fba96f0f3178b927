// SPDX-License-Identifier: MIT
#include "common/apps/app.hpp"

#include <algorithm>

namespace shoal::common {

bool App::allows_origin(std::string_view origin) const noexcept {
    if (origin.empty() || allowed_origins.empty()) return true;
    return std::any_of(allowed_origins.begin(), allowed_origins.end(),
                       [&](const std::string& o) { return o == "*" || o == origin; });
}

bool Webhook::accepts(std::string_view type, std::string_view channel) const noexcept {
    if (!channel.starts_with(channel_prefix)) return false;
    return event_types.empty() || std::any_of(event_types.begin(), event_types.end(),
                                              [&](const std::string& t) { return t == type; });
}

bool App::wants_webhook(std::string_view type, std::string_view channel) const noexcept {
    return std::any_of(webhooks.begin(), webhooks.end(),
                       [&](const Webhook& w) { return w.accepts(type, channel); });
}

AppSet::AppSet(std::vector<App> apps) : apps_(std::move(apps)) {
    by_key_.reserve(apps_.size());
    by_id_.reserve(apps_.size());
    for (std::size_t i = 0; i < apps_.size(); ++i) {
        by_key_.emplace(apps_[i].key, i);
        by_id_.emplace(apps_[i].id, i);
    }
}

const App* AppSet::find_key(std::string_view key) const noexcept {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &apps_[it->second];
}

const App* AppSet::find_id(std::string_view id) const noexcept {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &apps_[it->second];
}

App app_from_flags(const Config& config) {
    App a;
    a.id = config.app.id;
    a.key = config.app.key;
    a.secret = config.app.secret;
    a.limits.client_events = true;
    a.limits.client_events_per_second = config.limits.client_events_per_second;
    a.limits.max_event_bytes = config.limits.max_event_bytes;
    a.limits.max_presence_members = config.limits.max_presence_members;
    a.limits.max_presence_member_bytes = config.limits.max_presence_user_info_bytes;
    return a;
}

}  // namespace shoal::common
