// SPDX-License-Identifier: MIT
// What the Pusher adapter keeps per WebSocket connection: its subscriptions (with the presence
// user each one joined as), its signed-in user and its client-event rate window. Sized for the
// idle subscriber of one channel (docs/benchmarks.md, memory per connection): the first
// subscription is inline, the rarer parts (more channels, a presence user, a signed-in user)
// sit behind null pointers until needed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/apps/app.hpp"
#include "common/apps/app_topic.hpp"

namespace shoal::session {

struct PusherSubscription {
    std::string topic;  // the channel, scoped by the connection's app (common/apps/app_topic.hpp)
    std::unique_ptr<std::string> presence_user;  // null unless a presence channel

    std::string_view presence_user_id() const noexcept {
        return presence_user ? std::string_view(*presence_user) : std::string_view{};
    }
};

// In subscription order; the first inline, the others in a vector allocated at the second.
class PusherSubscriptions {
  public:
    std::size_t size() const noexcept {
        return first_.topic.empty() ? 0 : 1 + (rest_ ? rest_->size() : 0);
    }
    PusherSubscription& operator[](std::size_t i) noexcept {
        return i == 0 ? first_ : (*rest_)[i - 1];
    }
    const PusherSubscription& operator[](std::size_t i) const noexcept {
        return i == 0 ? first_ : (*rest_)[i - 1];
    }
    // s.topic is never empty. The reference stays valid until the next add or take.
    PusherSubscription& add(PusherSubscription s) {
        if (first_.topic.empty()) return first_ = std::move(s);
        if (!rest_) rest_ = std::make_unique<std::vector<PusherSubscription>>();
        return rest_->emplace_back(std::move(s));
    }
    // Removes the i-th, keeping the order of the others.
    PusherSubscription take(std::size_t i) {
        if (i > 0) {
            PusherSubscription s = std::move((*rest_)[i - 1]);
            rest_->erase(rest_->begin() + static_cast<std::ptrdiff_t>(i - 1));
            if (rest_->empty()) rest_.reset();
            return s;
        }
        PusherSubscription s = std::move(first_);
        first_ = PusherSubscription{};
        if (rest_) {
            first_ = std::move(rest_->front());
            rest_->erase(rest_->begin());
            if (rest_->empty()) rest_.reset();
        }
        return s;
    }

  private:
    PusherSubscription first_;
    std::unique_ptr<std::vector<PusherSubscription>> rest_;
};

// The socket id is not stored: it is "<prefix>.<ConnId>", rebuilt when needed.
struct PusherConnection {
    const common::App* app = nullptr;  // null until admitted; moved on an apps reload
    PusherSubscriptions subscriptions;
    std::unique_ptr<std::string> user;  // set by a successful pusher:signin
    std::uint64_t rate_window_start_ms = 0;
    std::uint32_t events_in_window = 0;
    bool closing = false;  // told to close; ignore what it still sends

    std::string_view user_id() const noexcept {
        return user ? std::string_view(*user) : std::string_view{};
    }
    const PusherSubscription* find(std::string_view channel) const noexcept {
        for (std::size_t i = 0; i < subscriptions.size(); ++i)
            if (common::topic_name(subscriptions[i].topic) == channel) return &subscriptions[i];
        return nullptr;
    }
};

}  // namespace shoal::session
