// SPDX-License-Identifier: MIT
// A minimal single-threaded epoll loop (level-triggered) and the non-blocking TCP connect with an
// explicit source address that lets one process open more connections than one address has ports.
#pragma once

#include <netinet/in.h>
#include <sys/epoll.h>

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace shoal::loadgen {

class Pollable {
  public:
    virtual void on_io(std::uint32_t events) = 0;

  protected:
    ~Pollable() = default;
};

class EpollLoop {
  public:
    EpollLoop();
    ~EpollLoop();
    EpollLoop(const EpollLoop&) = delete;
    EpollLoop& operator=(const EpollLoop&) = delete;

    bool ok() const noexcept { return fd_ >= 0; }
    bool add(int fd, Pollable* target, std::uint32_t events) noexcept;
    bool modify(int fd, Pollable* target, std::uint32_t events) noexcept;
    void remove(int fd) noexcept;
    // Waits up to timeout_ms (0: poll) and dispatches; returns the number of events handled.
    int run_once(int timeout_ms) noexcept;

  private:
    int fd_ = -1;
    epoll_event events_[512];
};

// A non-blocking socket bound to `source` (port chosen at connect time, IP_BIND_ADDRESS_NO_PORT)
// with connect() to `dest` started. The fd is the caller's to close. `no_delay` sets
// TCP_NODELAY; plain subscribers skip it (they send only after the peer has answered, so Nagle
// never holds their bytes, and one syscall less per connection counts at 20k connections/s).
common::Result<int> start_connect(const sockaddr_in& source, const sockaddr_in& dest,
                                  bool no_delay = true);
// 127.0.0.(1 + index) : 0
sockaddr_in loopback_source(int index) noexcept;
common::Result<sockaddr_in> ipv4_address(const std::string& host, std::uint16_t port);
// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the resulting soft limit.
std::uint64_t raise_fd_limit() noexcept;

}  // namespace shoal::loadgen
