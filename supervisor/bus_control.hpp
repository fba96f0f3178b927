// SPDX-License-Identifier: MIT
// The supervisor's side of the bus: it creates the segment (after removing a stale one, only while
// holding the bus lock, C7), writes the supervisor-owned fields of each slot record, announces
// worker_up / worker_down on the control ring (it is that ring's one writer, C1), and unlinks the
// segment on a clean exit.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/result.hpp"
#include "shm_bus/bus_config.hpp"
#include "shm_bus/layout.hpp"
#include "shm_bus/ring_writer.hpp"
#include "shm_bus/segment.hpp"
#include "shm_bus/wakeup.hpp"
#include "supervisor/bus_lock.hpp"

namespace shoal::sup {

// What the supervisor publishes about one slot for workers and `shoal status`.
struct SlotPublish {
    int pid = 0;
    bus::SlotState state = bus::SlotState::Empty;
    std::uint64_t epoch = 0;
    std::uint64_t started_ns = 0;
    std::uint32_t restarts = 0;
    bus::BreakerState breaker = bus::BreakerState::Closed;
};

class BusControl {
  public:
    // Needs the lock: removing a segment another live supervisor uses would split the server.
    static common::Result<std::unique_ptr<BusControl>> create(const BusLock& held,
                                                              const std::string& bus_name,
                                                              const bus::BusConfig& config);
    ~BusControl();

    void publish(std::uint32_t slot, const SlotPublish& fields) noexcept;
    std::uint64_t heartbeat_ns(std::uint32_t slot) const noexcept;

    void announce_up(std::uint32_t slot, std::uint64_t epoch) noexcept;
    void announce_down(std::uint32_t slot, std::uint64_t epoch) noexcept;
    // A new apps snapshot: every worker re-reads it.
    void announce_apps_changed(std::uint64_t generation) noexcept;

    // Another record on the control ring (the cluster bridge's, supervisor/cluster/); false
    // when refused (over the ring's maximum record). wake_readers() once per batch.
    bool write_control(std::int32_t type, std::span<const std::byte> payload) noexcept;
    void wake_readers() noexcept { wakeup_.notify_idle_readers(); }

    // The previous epoch of a slot (0 on a fresh segment), so epochs never repeat.
    std::uint64_t epoch(std::uint32_t slot) const noexcept;

    // Unlinks the name; mappings of still-running readers stay valid.
    void unlink() noexcept;

    bus::Segment& segment() noexcept { return segment_; }
    const std::string& name() const noexcept { return name_; }
    // One eventfd per slot; every worker gets all of them (fds 4.. in slot order).
    const std::vector<int>& wakeup_fds() const noexcept { return wakeup_fds_; }

  private:
    BusControl(bus::Segment segment, std::string name, std::vector<int> wakeup_fds);

    bus::Segment segment_;
    std::string name_;
    std::vector<int> wakeup_fds_;
    bus::RingWriter control_;
    bus::Wakeup wakeup_;
    bool unlinked_ = false;
};

}  // namespace shoal::sup
