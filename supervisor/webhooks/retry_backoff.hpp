// SPDX-License-Identifier: MIT
// RetryBackoff: the wait before a failed webhook request is sent again. Exponential with "equal
// jitter" (half fixed, half random), like the supervisor's restart delays, so the requests of
// many batches failing together (an endpoint that went down) spread out as it comes back. Pure
// and seeded: tests are deterministic.
#pragma once

#include <cstdint>

namespace shoal::webhooks {

class RetryBackoff {
  public:
    static constexpr std::uint64_t kInitialMs = 250;
    static constexpr std::uint64_t kMaxMs = 60'000;

    explicit RetryBackoff(std::uint64_t seed, std::uint64_t initial_ms = kInitialMs,
                          std::uint64_t max_ms = kMaxMs) noexcept
        : rng_(seed ^ 0x9e3779b97f4a7c15ull), initial_ms_(initial_ms), max_ms_(max_ms) {}

    // min(max, initial * 2^(failures-1)) before jitter: 250 ms after the first failure.
    std::uint64_t ceiling_ms(std::uint32_t failures) const noexcept;
    // A delay in [ceiling/2, ceiling].
    std::uint64_t delay_ms(std::uint32_t failures) noexcept;

  private:
    std::uint64_t next_random() noexcept;

    std::uint64_t rng_;
    std::uint64_t initial_ms_;
    std::uint64_t max_ms_;
};

}  // namespace shoal::webhooks
