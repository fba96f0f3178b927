// SPDX-License-Identifier: MIT
// Per-slot restart delay: exponential backoff with jitter, reset after a healthy uptime. Pure: the
// caller passes uptimes in and owns the clock; the rng is seeded so tests are deterministic.
#pragma once

#include <cstdint>

namespace shoal::sup {

struct BackoffKnobs {
    std::uint32_t initial_ms = 100;
    std::uint32_t max_ms = 5'000;
    std::uint32_t healthy_after_ms = 10'000;
};

class RestartPolicy {
  public:
    RestartPolicy(const BackoffKnobs& knobs, std::uint64_t seed) noexcept;

    // A worker that ran for uptime_ms exited: returns how long to wait before starting it again.
    // A run that reached healthy_after_ms resets the backoff first, so a rare crash costs little.
    std::uint64_t on_exit(std::uint64_t uptime_ms) noexcept;

    // The worker has been up healthy_after_ms: the next failure starts from the initial delay.
    void on_healthy() noexcept { attempt_ = 0; }

    std::uint32_t attempt() const noexcept { return attempt_; }

    // The ceiling before jitter for a given attempt: min(max, initial * 2^attempt).
    std::uint64_t ceiling_ms(std::uint32_t attempt) const noexcept;

  private:
    std::uint64_t next_random() noexcept;

    BackoffKnobs knobs_;
    std::uint64_t rng_;
    std::uint32_t attempt_ = 0;
};

}  // namespace shoal::sup
