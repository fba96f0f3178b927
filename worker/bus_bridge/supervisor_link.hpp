// SPDX-License-Identifier: MIT
// The worker's side of its link to the supervisor: it dies with its supervisor
// (PR_SET_PDEATHSIG, plus a getppid() check on every beat for the race at start), writes its
// heartbeat and connection count into its slot record (C9), and holds the bus segment mapping.
// A slot worker runs the test-only start fault switch (fault_switch.hpp) first.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <uv.h>

#include "common/config.hpp"
#include "common/result.hpp"
#include "shm_bus/segment.hpp"

namespace shoal::worker {

class SupervisorLink {
  public:
    using CountFn = std::uint64_t (*)(const void* ctx);

    // slot < 0 (a standalone worker): an inert link. Otherwise attaches the bus, checks that this
    // process is the slot's current epoch and that its supervisor is alive, arms the parent-death
    // signal and starts the heartbeat. Errors mean the worker must exit (78).
    static common::Result<std::unique_ptr<SupervisorLink>> start(uv_loop_t* loop,
                                                                 const common::Config& config,
                                                                 int slot);
    ~SupervisorLink();
    SupervisorLink(const SupervisorLink&) = delete;
    SupervisorLink& operator=(const SupervisorLink&) = delete;

    // Where each beat reads the connection count from (e.g. the server's connection_count()).
    void count_connections_with(CountFn fn, const void* ctx) noexcept;

    // Writes the connection count now (the beat does it too), e.g. when accepting.
    void publish_connections() noexcept;

    // Stops the heartbeat so the loop can end (call once draining is done).
    void close() noexcept;

    // The bus mapping, for the worker's bus endpoint; null for a standalone worker.
    bus::Segment* segment() noexcept { return segment_ ? &*segment_ : nullptr; }
    std::uint64_t epoch() const noexcept { return epoch_; }
    // Every slot's wake-up eventfd, in slot order, as inherited from the supervisor.
    const std::vector<int>& wakeup_fds() const noexcept { return wakeup_fds_; }

  private:
    SupervisorLink() = default;
    static void on_beat(uv_timer_t* timer);
    void beat() noexcept;

    std::optional<bus::Segment> segment_;
    bus::SlotRecord* record_ = nullptr;
    std::uint64_t epoch_ = 0;
    std::vector<int> wakeup_fds_;
    int supervisor_pid_ = 0;
    CountFn count_fn_ = nullptr;
    const void* count_ctx_ = nullptr;
    uv_timer_t timer_{};
    bool timer_open_ = false;
};

}  // namespace shoal::worker
