// SPDX-License-Identifier: MIT
// The status snapshot in the Prometheus text exposition format (version 0.0.4): host totals of
// every worker counter, per-slot worker gauges (label `slot`, bounded by --workers) and the
// host-wide channel gauges the answering worker knows. No label ever names a channel or a user.
#pragma once

#include "shm_bus/observability/host_status.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace shoal::obs {

// What the answering worker adds to the bus snapshot: host-wide channel state from its replica.
struct ChannelGauges {
    std::uint64_t channels = 0;          // occupied topics, host-wide
    std::uint64_t subscriptions = 0;     // sum of their subscribers
    std::uint64_t presence_members = 0;  // distinct (presence topic, user) pairs
};

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string render_prometheus(const ServerStatus& status,
                              const std::optional<ChannelGauges>& channels);

// Whether the exposition carries counter c (each catalogue entry must be; tests walk them).
bool exposes(common::Counter c) noexcept;

}  // namespace shoal::obs
