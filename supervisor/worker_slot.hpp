// SPDX-License-Identifier: MIT
// One slot as the supervisor sees it: its process handle, phase, epoch and the restart policy and
// circuit breaker that decide when it may start again. The supervisor loop drives it.
#pragma once

#include <cstdint>

#include <uv.h>

#include "supervisor/circuit_breaker.hpp"
#include "supervisor/restart_policy.hpp"

namespace shoal::sup {

enum class SlotPhase : std::uint8_t {
    Idle,         // never started
    Running,      // a process is alive (starting or serving)
    Stopping,     // SIGTERM or SIGKILL sent, waiting for exit_cb
    Backoff,      // exited; restarts at restart_at_ms
    BreakerOpen,  // exited; no restarts until the breaker half-opens
    Stopped,      // exited during shutdown; stays down
};

const char* slot_phase_name(SlotPhase phase) noexcept;

enum class StopReason : std::uint8_t { None, Stale, Shutdown, Rolling };

struct WorkerSlot {
    WorkerSlot(std::uint32_t slot_index, const BackoffKnobs& backoff_knobs,
               const BreakerKnobs& breaker_knobs, std::uint64_t seed)
        : index(slot_index), policy(backoff_knobs, seed), breaker(breaker_knobs) {}

    std::uint32_t index;
    RestartPolicy policy;
    CircuitBreaker breaker;

    uv_process_t process{};
    bool handle_open = false;  // process handle awaiting uv_close
    SlotPhase phase = SlotPhase::Idle;
    StopReason stop_reason = StopReason::None;
    int pid = 0;
    std::uint64_t epoch = 0;
    std::uint32_t restarts = 0;       // starts after the first
    std::uint64_t started_ns = 0;     // CLOCK_MONOTONIC of the current start
    std::uint64_t restart_at_ms = 0;  // in Backoff
    std::uint64_t kill_at_ms = 0;     // in Stopping: SIGKILL if still alive then
    bool announced_up = false;        // worker_up sent for this epoch
    bool reported_healthy = false;    // backoff reset and breaker told for this epoch
};

}  // namespace shoal::sup
