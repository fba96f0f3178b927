// SPDX-License-Identifier: MIT
// Where a takeover's replay starts: another holder was last seen alive at other_seen (its key
// existed), but it may have died up to one ttl before that and left what it generated since
// unsent, so the replay reaches back one ttl; events it did send in that window are sent twice
// (the at-least-once edge docs/webhooks.md states). A goodbye or this host's own earlier lease
// narrows the window.
#include "supervisor/cluster/leader_lease.hpp"

#include <algorithm>

namespace shoal::cluster {

void LeaderLease::joined(std::uint64_t now_ms) noexcept {
    if (joined_) return;
    joined_ = true;
    settled_ms_ = now_ms + ttl_ms_;
}

void LeaderLease::on_answer(std::uint64_t sent_ms, std::string_view holder, std::uint64_t now_ms) {
    holder_ = std::string(holder);
    if (holder == self_) {
        if (valid_until_ms_ <= now_ms) previous_end_ms_ = own_until_ms_;  // (re)acquired
        // Counted from when the command left, not when it was answered: Redis started the key's
        // ttl somewhere in between, so this end comes first.
        valid_until_ms_ = std::max(valid_until_ms_, sent_ms + ttl_ms_ - ttl_ms_ / 5);
        own_until_ms_ = valid_until_ms_;
        return;
    }
    if (valid_until_ms_ > now_ms) own_until_ms_ = now_ms;  // lost it early: stop now
    valid_until_ms_ = 0;
    if (!holder.empty()) {
        other_seen_ = true;
        other_seen_ms_ = now_ms;
    }
}

void LeaderLease::on_host_left(std::string_view id, std::uint64_t now_ms) noexcept {
    if (!holder_.empty() && id == holder_) {
        handover_ms_ = now_ms;
        holder_.clear();
    }
}

void LeaderLease::released(std::uint64_t now_ms) noexcept {
    if (valid_until_ms_ > now_ms) own_until_ms_ = now_ms;
    valid_until_ms_ = 0;
}

std::uint64_t LeaderLease::replay_from_ms() const noexcept {
    std::uint64_t from = previous_end_ms_;
    if (other_seen_) from = std::max(from, other_seen_ms_ > ttl_ms_ ? other_seen_ms_ - ttl_ms_ : 0);
    return std::max(from, handover_ms_);
}

}  // namespace shoal::cluster
