// SPDX-License-Identifier: MIT
// "Equal jitter": half the ceiling is fixed, half random, so slots that crash together (a bad
// deploy) spread their restarts but none restarts sooner than half its backoff.
#include "supervisor/restart_policy.hpp"

namespace shoal::sup {

RestartPolicy::RestartPolicy(const BackoffKnobs& knobs, std::uint64_t seed) noexcept
    : knobs_(knobs), rng_(seed ^ 0x9e3779b97f4a7c15ull) {}

std::uint64_t RestartPolicy::ceiling_ms(std::uint32_t attempt) const noexcept {
    std::uint64_t c = knobs_.initial_ms;
    for (std::uint32_t i = 0; i < attempt && c < knobs_.max_ms; ++i)
        c *= 2;
    return c < knobs_.max_ms ? c : knobs_.max_ms;
}

std::uint64_t RestartPolicy::on_exit(std::uint64_t uptime_ms) noexcept {
    if (uptime_ms >= knobs_.healthy_after_ms) attempt_ = 0;
    std::uint64_t ceiling = ceiling_ms(attempt_);
    if (attempt_ < 63) ++attempt_;
    std::uint64_t half = ceiling / 2;
    std::uint64_t span = ceiling - half + 1;
    return half + next_random() % span;
}

// splitmix64: tiny, seedable and identical on every platform, unlike std::uniform_*_distribution.
std::uint64_t RestartPolicy::next_random() noexcept {
    std::uint64_t z = (rng_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

}  // namespace shoal::sup
