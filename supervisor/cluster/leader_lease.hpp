// SPDX-License-Identifier: MIT
// LeaderLease: which host of a cluster sends the webhooks of the cluster's state. The leader holds
// a key in Redis (SET ... PX ttl, refreshed every ttl/3 by a script that extends it only for its
// holder); a host believes itself leader only until ttl - ttl/5 after it *sent* its last
// successful refresh, so it stops before Redis can give the key to another host (the lease's
// classic rule: the holder's clock runs out first). Pure: the bridge sends the commands and feeds
// the answers; times are CLOCK_MONOTONIC ms. See docs/webhooks.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "supervisor/webhooks/leadership.hpp"

namespace shoal::cluster {

class LeaderLease final : public webhooks::Leadership {
  public:
    // Acquires the key when free (and ARGV[3] is "1") or extends it when ours; returns the
    // holder after it ran, nil when free. KEYS[1] the key, ARGV[1] our id, ARGV[2] ttl ms.
    static constexpr std::string_view kAcquireScript =
        "local h = redis.call('GET', KEYS[1]) "
        "if h == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return h end "
        "if not h and ARGV[3] == '1' then "
        "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return ARGV[1] end "
        "return h";
    // Deletes the key only when ours (a graceful stop hands the lease over at once).
    static constexpr std::string_view kReleaseScript =
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
        "return 0";

    LeaderLease(std::string self, std::uint64_t ttl_ms) : self_(std::move(self)), ttl_ms_(ttl_ms) {}

    const std::string& self() const noexcept { return self_; }
    std::uint64_t ttl_ms() const noexcept { return ttl_ms_; }

    // The link came up for the first time: for one ttl the host learns the cluster's state and
    // takes no free lease unless it knows of no other host (the first host of a cluster leads
    // at once; a host joining a cluster never leads on half a view).
    void joined(std::uint64_t now_ms) noexcept;
    bool has_joined() const noexcept { return joined_; }
    std::uint64_t settled_ms() const noexcept { return settled_ms_; }
    bool may_acquire(std::uint64_t now_ms, bool alone) const noexcept {
        return alone || (joined_ && now_ms >= settled_ms_);
    }
    // The answer to the acquire script sent at sent_ms: the holder after it ran (empty: none).
    void on_answer(std::uint64_t sent_ms, std::string_view holder, std::uint64_t now_ms);
    // Host `id` said goodbye (a graceful stop): if it held the lease it sent what it had, so a
    // takeover replays only what came after.
    void on_host_left(std::string_view id, std::uint64_t now_ms) noexcept;
    // This host released the lease (stopping).
    void released(std::uint64_t now_ms) noexcept;

    bool leader(std::uint64_t now_ms) const noexcept override { return now_ms < valid_until_ms_; }
    std::uint64_t replay_from_ms() const noexcept override;
    const std::string& holder() const noexcept { return holder_; }

  private:
    std::string self_;
    std::uint64_t ttl_ms_;
    bool joined_ = false;
    std::uint64_t settled_ms_ = 0;
    std::uint64_t valid_until_ms_ = 0;   // leader while now < this
    std::uint64_t own_until_ms_ = 0;     // the end of this host's current or last lease
    std::uint64_t previous_end_ms_ = 0;  // the end of the lease before the current one
    std::uint64_t other_seen_ms_ = 0;    // when another host last held it, as far as we know
    bool other_seen_ = false;
    std::uint64_t handover_ms_ = 0;  // when the holder said goodbye
    std::string holder_;
};

}  // namespace shoal::cluster
