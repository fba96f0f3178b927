// SPDX-License-Identifier: MIT
// An app: the unit a Pusher server serves (id, key, secret) with its own limits, origins and
// webhooks. Every worker holds the same AppSet, loaded from the supervisor's snapshot of the apps
// file or built from the --app-* flags; lookups by key (on connect) and by id (HTTP API) are
// hash lookups so that thousands of apps cost nothing per request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/config.hpp"

namespace shoal::common {

struct AppLimits {
    std::uint32_t max_connections = 0;  // host-wide; 0: only the server's own limits
    bool client_events = false;         // Pusher and Soketi keep client events off by default
    std::uint32_t client_events_per_second = 10;
    std::uint32_t max_event_bytes = 10 * 1024;
    std::uint32_t max_channels_per_event = 100;
    std::uint32_t max_presence_members = 100;
    std::uint32_t max_presence_member_bytes = 1024;
};

// One webhook target (sent by the webhooks feature); empty filters accept everything.
struct Webhook {
    std::string url;
    std::vector<std::string> event_types;
    std::string channel_prefix;

    // An event of `type` (channel_occupied, ..., cache_miss) on `channel` (unscoped name).
    bool accepts(std::string_view type, std::string_view channel) const noexcept;
};

// Channel history and recovery (docs/history.md): off unless an app sets events. A channel of the
// app keeps its last `events` events, none older than `seconds`; channels whose name starts with
// `channel_prefix` only (empty: every channel of the app).
struct HistorySettings {
    std::uint32_t events = 0;  // 0: no history
    std::uint32_t seconds = 300;
    std::string channel_prefix;

    bool enabled_for(std::string_view channel) const noexcept {
        return events != 0 && channel.starts_with(channel_prefix);
    }
};

struct App {
    std::string id;
    std::string key;
    std::string secret;
    std::string name;
    bool enabled = true;
    AppLimits limits;
    std::vector<std::string> allowed_origins;  // empty: any origin ("*")
    std::vector<Webhook> webhooks;
    HistorySettings history;

    // A browser's Origin header against allowed_origins; no header (not a browser) is allowed.
    bool allows_origin(std::string_view origin) const noexcept;
    // Whether any of its webhooks takes an event of `type` on `channel`: what a worker asks
    // before it tells the supervisor of a client event or a cache miss.
    bool wants_webhook(std::string_view type, std::string_view channel) const noexcept;
};

// The apps of one server, looked up by key or id. Index 0 is the default app (Phoenix clients
// that name none, the flag-built app).
class AppSet {
  public:
    AppSet() = default;
    explicit AppSet(std::vector<App> apps);

    const App* find_key(std::string_view key) const noexcept;
    const App* find_id(std::string_view id) const noexcept;
    const App& default_app() const noexcept { return apps_.front(); }
    const std::vector<App>& apps() const noexcept { return apps_; }
    std::size_t size() const noexcept { return apps_.size(); }
    bool empty() const noexcept { return apps_.empty(); }

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    using Index = std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>>;
    std::vector<App> apps_;
    Index by_key_;
    Index by_id_;
};

// The single app of the --app-id/--app-key/--app-secret flags, with the server-wide limits and
// client events on (shoal's behaviour before apps files existed).
App app_from_flags(const Config& config);

}  // namespace shoal::common
