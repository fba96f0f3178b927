// SPDX-License-Identifier: MIT
// Wake-ups between processes (C8): one eventfd per worker slot plus the slot's `idle` flag. A
// writer signals only readers that declared themselves idle, so a busy bus makes no syscalls.
// shm_bus never sees libuv: a worker watches fd() with its own uv_poll.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/result.hpp"
#include "shm_bus/segment.hpp"

namespace shoal::bus {

inline constexpr std::uint32_t kNoSlot = 0xFFFFFFFFu;

// The supervisor creates these before spawning: non-blocking eventfds without FD_CLOEXEC, so the
// children inherit them; it passes their numbers on to each worker.
common::Result<std::vector<int>> create_wakeup_fds(std::uint32_t count);
void close_wakeup_fds(std::span<const int> fds) noexcept;

class Wakeup {
  public:
    // fds[i] is slot i's eventfd (fds.size() == slots). self: this process's slot, or kNoSlot for
    // a process that only writes (the supervisor).
    Wakeup(Segment& segment, std::vector<int> fds, std::uint32_t self);

    // Reader side. Order: prepare_to_sleep(); poll every ring once more; if that found records,
    // cancel_sleep() and carry on, else wait for fd() to be readable, then clear().
    int fd() const noexcept;
    void prepare_to_sleep() noexcept;
    void cancel_sleep() noexcept;
    void clear() noexcept;

    // Writer side, after publishing (once per batch, not per record): wakes each other slot whose
    // idle flag this call turned from 1 to 0. Returns how many eventfds it wrote.
    std::uint32_t notify_idle_readers() noexcept;

  private:
    Segment* segment_;
    std::vector<int> fds_;
    std::uint32_t self_;
};

}  // namespace shoal::bus
