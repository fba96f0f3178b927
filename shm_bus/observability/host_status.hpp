// SPDX-License-Identifier: MIT
// The host's status snapshot: slots (pid, state, epoch, uptime, heartbeat age, restarts,
// breaker, connections, counters, lag, RSS and CPU), rings and host totals, read from the bus
// segment. One reader for every view of it: `shoal status` (text and JSON), the supervisor, and
// any worker's /status and /metrics, so they always agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/counters.hpp"
#include "shm_bus/segment.hpp"

namespace shoal::obs {

struct SlotStatus {
    std::uint32_t slot = 0;
    std::uint32_t pid = 0;
    std::string state;
    std::uint64_t epoch = 0;
    std::uint64_t uptime_ms = 0;
    std::uint64_t heartbeat_age_ms = 0;
    std::uint32_t restarts = 0;
    std::string breaker;
    std::uint64_t connections = 0;
    std::uint64_t messages_in = 0;              // the counters' bus_records_in_total
    std::uint64_t messages_out = 0;             // bus_records_out_total
    std::uint64_t lost_records = 0;             // bus_records_lost_total
    common::CounterValues counters{};           // indexed by common::Counter
    std::uint64_t max_lag_bytes = 0;            // the furthest this worker is behind any other ring
    std::vector<std::uint64_t> read_positions;  // this worker's cursor in each ring
    // From /proc/<pid>/stat while the worker lives (proc_ok false otherwise).
    bool proc_ok = false;
    std::uint64_t rss_bytes = 0;
    double cpu_seconds = 0;
};

struct RingStatus {
    std::uint32_t ring = 0;
    std::string writer;  // "slot N" or "control"
    std::uint64_t tail = 0;
    std::uint64_t latest = 0;
    std::uint64_t writer_epoch = 0;
};

// The supervisor's host record (shm_bus/layout.hpp HostRecord).
struct HostStatus {
    std::uint64_t uptime_ms = 0;      // the supervisor's
    std::string cluster = "off";      // off | down | up
    std::uint32_t cluster_hosts = 0;  // other hosts known
    std::uint64_t redis_connects = 0;
    std::uint64_t redis_link_losses = 0;
};

// The supervisor's webhook sender (shm_bus/layout.hpp WebhookRecord).
struct WebhookStatus {
    std::uint64_t queue_batches = 0;
    std::uint64_t queue_bytes = 0;
    std::uint64_t requests_sent = 0;
    std::uint64_t events_sent = 0;
    std::uint64_t requests_failed = 0;
    std::uint64_t requests_retried = 0;
    std::uint64_t dropped_overflow = 0;
    std::uint64_t dropped_expired = 0;
    std::uint64_t dropped_unrouted = 0;
    bool leader = false;
};

struct ServerStatus {
    std::string bus;
    std::uint64_t supervisor_pid = 0;
    bool supervisor_alive = false;
    std::uint64_t ring_bytes = 0;
    HostStatus host;
    WebhookStatus webhooks;
    std::vector<SlotStatus> slots;
    std::vector<RingStatus> rings;
    // Over every slot, live or not: a slot's counters outlive its workers, so totals never go
    // down (sums; the largest for a high-water mark).
    std::uint64_t connections = 0;
    common::CounterValues totals{};
};

// Reads `segment` and trusts no word in it (an unknown state reads "unknown"); allocates, so it
// is for periodic readers, not a hot path. now_ns is CLOCK_MONOTONIC.
ServerStatus snapshot(const bus::Segment& segment, const std::string& bus_name,
                      std::uint64_t now_ns);

}  // namespace shoal::obs
