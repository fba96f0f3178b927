// SPDX-License-Identifier: MIT
// The lock that makes a supervisor the only owner of its bus name: flock(2) on a file next to the
// segment. The kernel drops it when the holder dies, so a crashed supervisor never blocks the next.
#pragma once

#include <string>

#include "common/result.hpp"

namespace shoal::sup {

class BusLock {
  public:
    // Takes the lock for bus_name without waiting. Errc::Busy (with the holder's pid in the
    // context) when another supervisor holds it.
    static common::Result<BusLock> acquire(const std::string& bus_name);

    // The pid of the supervisor holding bus_name's lock; Errc::NotFound when none does (a
    // stale file of a dead supervisor is not a holder).
    static common::Result<long> holder(const std::string& bus_name);

    // Where the lock file for a bus lives (in /dev/shm, beside the segment).
    static std::string path_for(const std::string& bus_name);

    BusLock(BusLock&& other) noexcept;
    BusLock& operator=(BusLock&& other) noexcept;
    BusLock(const BusLock&) = delete;
    BusLock& operator=(const BusLock&) = delete;
    ~BusLock();

    // Unlinks the lock file, then releases the lock (on clean shutdown only).
    void release_and_unlink();

  private:
    BusLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
};

}  // namespace shoal::sup
