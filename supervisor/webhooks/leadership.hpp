// SPDX-License-Identifier: MIT
// Leadership: which host of a cluster sends the webhooks of the cluster's state (occupied,
// vacated, member added, removed). Every host computes the same transitions from its view of the
// cluster; only the leader sends them, the others keep theirs for a while in case they take over.
// One host alone is always the leader (SoleHost); a cluster elects one through a lease in Redis
// (cluster/leader_lease.hpp). See docs/webhooks.md.
#pragma once

#include <cstdint>

namespace shoal::webhooks {

class Leadership {
  public:
    // Whether this host sends the cluster's state webhooks at now_ms (CLOCK_MONOTONIC ms).
    virtual bool leader(std::uint64_t now_ms) const noexcept = 0;
    // When this host becomes leader, the transitions it generated since this time (its own
    // clock) may not have been sent by the leader before it, and are sent now.
    virtual std::uint64_t replay_from_ms() const noexcept = 0;

  protected:
    ~Leadership() = default;
};

class SoleHost final : public Leadership {
  public:
    bool leader(std::uint64_t) const noexcept override { return true; }
    std::uint64_t replay_from_ms() const noexcept override { return 0; }
};

}  // namespace shoal::webhooks
