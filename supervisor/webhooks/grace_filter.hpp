// SPDX-License-Identifier: MIT
// GraceFilter: turns the cluster's raw transitions (a topic occupied or vacated, a member's first
// or last connection) into the webhook events users expect. channel_vacated and member_removed
// wait `grace_ms`; a return within it (a page reload, a worker restart, a client reconnecting to
// another host) cancels the pending event and sends nothing for the return either. Occupied and
// added go at once unless they cancel. Pure: time is passed in, events come out in a vector.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "supervisor/webhooks/webhook_event.hpp"

namespace shoal::webhooks {

// A state change of one topic ("<app id>\x1f<channel>") or one member of it.
struct Transition {
    EventKind kind = EventKind::ChannelOccupied;
    std::string topic;
    std::string user;  // members only
    bool operator==(const Transition&) const = default;
};

class GraceFilter {
  public:
    explicit GraceFilter(std::uint64_t grace_ms) noexcept : grace_ms_(grace_ms) {}

    void occupied(std::string_view topic, std::uint64_t now_ms, std::vector<Transition>& out);
    void vacated(std::string_view topic, std::uint64_t now_ms, std::vector<Transition>& out);
    void member_added(std::string_view topic, std::string_view user, std::uint64_t now_ms,
                      std::vector<Transition>& out);
    void member_removed(std::string_view topic, std::string_view user, std::uint64_t now_ms,
                        std::vector<Transition>& out);

    // Emits the pending events whose grace ended by now_ms, oldest first.
    void due(std::uint64_t now_ms, std::vector<Transition>& out);
    // Emits every pending event now (the host is going away for good).
    void flush_all(std::vector<Transition>& out) { due(UINT64_MAX, out); }

    std::optional<std::uint64_t> next_deadline_ms() const noexcept;
    std::size_t pending() const noexcept { return pending_.size(); }

  private:
    // (topic, user, is_member): a channel's key has an empty user and false.
    using Key = std::tuple<std::string, std::string, bool>;
    struct Entry {
        std::uint64_t deadline_ms;
        std::uint64_t seq;
    };
    using Order = std::tuple<std::uint64_t, std::uint64_t, Key>;  // (deadline, seq, key)

    // True when a pending removal of `key` was cancelled (the return sends nothing).
    bool cancel(const Key& key);
    void schedule(Key key, std::uint64_t now_ms, std::vector<Transition>& out);

    std::uint64_t grace_ms_;
    std::uint64_t seq_ = 0;
    std::map<Key, Entry> pending_;
    std::set<Order> order_;
};

}  // namespace shoal::webhooks
