// SPDX-License-Identifier: MIT
// Judges a running worker from its slot's heartbeat (C9): starting, up, healthy (long enough to
// reset backoff and close the breaker) or stale (hung, SIGSTOPped, spinning). Decides, never acts.
#pragma once

#include <cstdint>

namespace shoal::sup {

enum class Health : std::uint8_t {
    Starting,  // no heartbeat yet from this start, still within the timeout
    Up,        // heartbeating, not yet up for healthy_after
    Healthy,   // heartbeating and up for at least healthy_after
    Stale,     // no heartbeat within the timeout: kill and restart
};

const char* health_name(Health health) noexcept;

struct HealthKnobs {
    std::uint64_t timeout_ms = 3'000;
    std::uint64_t healthy_after_ms = 10'000;
};

struct HeartbeatSample {
    std::uint64_t started_ns = 0;    // when the supervisor started this epoch (CLOCK_MONOTONIC)
    std::uint64_t heartbeat_ns = 0;  // the worker's last heartbeat (CLOCK_MONOTONIC); may be from
                                     // an earlier epoch of the slot, so older than started_ns
};

Health judge_health(const HeartbeatSample& sample, std::uint64_t now_ns,
                    const HealthKnobs& knobs) noexcept;

// How long ago the last heartbeat of this start was, or since the start if none came yet.
std::uint64_t heartbeat_age_ms(const HeartbeatSample& sample, std::uint64_t now_ns) noexcept;

}  // namespace shoal::sup
