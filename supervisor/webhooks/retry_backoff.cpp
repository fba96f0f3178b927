// SPDX-License-Identifier: MIT
#include "supervisor/webhooks/retry_backoff.hpp"

namespace shoal::webhooks {

std::uint64_t RetryBackoff::ceiling_ms(std::uint32_t failures) const noexcept {
    std::uint64_t c = initial_ms_;
    for (std::uint32_t i = 1; i < failures && c < max_ms_; ++i)
        c *= 2;
    return c < max_ms_ ? c : max_ms_;
}

std::uint64_t RetryBackoff::delay_ms(std::uint32_t failures) noexcept {
    const std::uint64_t ceiling = ceiling_ms(failures);
    const std::uint64_t half = ceiling / 2;
    return half + next_random() % (ceiling - half + 1);
}

// splitmix64, as in restart_policy.cpp: seedable and the same on every platform.
std::uint64_t RetryBackoff::next_random() noexcept {
    std::uint64_t z = (rng_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

}  // namespace shoal::webhooks
