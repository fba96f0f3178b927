// SPDX-License-Identifier: MIT
// `shoal status`: a read-only snapshot of a running server's bus (slots, pids, epochs, uptime,
// restarts, breaker, connections, ring positions and lag, each slot's counters and the host
// totals), rendered as text or JSON. The snapshot is separate from rendering so both are testable
// without a server, and it is the one reader of the slot table: `shoal status` calls it on a
// read-only attach, the supervisor on its own segment (BusControl::segment()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/counters.hpp"
#include "shm_bus/segment.hpp"

namespace shoal::sup {

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
};

struct RingStatus {
    std::uint32_t ring = 0;
    std::string writer;  // "slot N" or "control"
    std::uint64_t tail = 0;
    std::uint64_t latest = 0;
    std::uint64_t writer_epoch = 0;
};

struct ServerStatus {
    std::string bus;
    std::uint64_t supervisor_pid = 0;
    bool supervisor_alive = false;
    std::uint64_t ring_bytes = 0;
    std::vector<SlotStatus> slots;
    std::vector<RingStatus> rings;
    // Over every slot, live or not: a slot's counters outlive its workers, so totals never go
    // down (sums; the largest for a high-water mark).
    std::uint64_t connections = 0;
    common::CounterValues totals{};
};

// Reads `segment` and trusts no word in it; allocates, so it is for periodic readers, not a
// hot path. now_ns is CLOCK_MONOTONIC.
ServerStatus snapshot(const bus::Segment& segment, const std::string& bus_name,
                      std::uint64_t now_ns);
std::string render_text(const ServerStatus& status);
std::string render_json(const ServerStatus& status);

}  // namespace shoal::sup
