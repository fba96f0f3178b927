// SPDX-License-Identifier: MIT
// Heartbeat staleness and health, judged from the slot record and the monotonic clock.
#include "supervisor/health_monitor.hpp"

namespace shoal::sup {

const char* health_name(Health health) noexcept {
    switch (health) {
        case Health::Starting:
            return "starting";
        case Health::Up:
            return "up";
        case Health::Healthy:
            return "healthy";
        case Health::Stale:
            return "stale";
    }
    return "starting";
}

std::uint64_t heartbeat_age_ms(const HeartbeatSample& s, std::uint64_t now_ns) noexcept {
    // A heartbeat older than this start belongs to the previous epoch of the slot: ignore it.
    std::uint64_t last = s.heartbeat_ns >= s.started_ns ? s.heartbeat_ns : s.started_ns;
    return now_ns > last ? (now_ns - last) / 1'000'000 : 0;
}

Health judge_health(const HeartbeatSample& s, std::uint64_t now_ns,
                    const HealthKnobs& knobs) noexcept {
    if (heartbeat_age_ms(s, now_ns) > knobs.timeout_ms) return Health::Stale;
    if (s.heartbeat_ns < s.started_ns || s.heartbeat_ns == 0) return Health::Starting;
    std::uint64_t uptime_ms = now_ns > s.started_ns ? (now_ns - s.started_ns) / 1'000'000 : 0;
    return uptime_ms >= knobs.healthy_after_ms ? Health::Healthy : Health::Up;
}

}  // namespace shoal::sup
