// SPDX-License-Identifier: MIT
// What the Pusher adapter keeps per WebSocket connection: its socket id, its subscriptions (with
// the presence user each one joined as), its signed-in user and its client-event rate window.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/apps/app.hpp"
#include "common/apps/app_topic.hpp"

namespace shoal::session {

struct PusherSubscription {
    std::string topic;  // the channel, scoped by the connection's app (common/apps/app_topic.hpp)
    std::string presence_user_id;  // empty unless a presence channel
};

// The socket id is not stored: it is "<prefix>.<ConnId>", rebuilt when needed (memory per
// idle connection, docs/benchmarks.md).
struct PusherConnection {
    const common::App* app = nullptr;  // null until admitted; moved on an apps reload
    std::vector<PusherSubscription> subscriptions;
    std::string user_id;  // set by a successful pusher:signin
    std::uint64_t rate_window_start_ms = 0;
    std::uint32_t events_in_window = 0;
    bool closing = false;  // told to close; ignore what it still sends

    const PusherSubscription* find(std::string_view channel) const noexcept {
        for (const auto& s : subscriptions)
            if (common::topic_name(s.topic) == channel) return &s;
        return nullptr;
    }
};

}  // namespace shoal::session
