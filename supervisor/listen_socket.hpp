// SPDX-License-Identifier: MIT
// The listening socket, opened once by the supervisor and inherited by every worker. The
// supervisor keeps it open for its whole life, so the kernel's accept queue outlives any worker:
// while a worker dies or restarts, connection attempts wait in the queue and are never refused.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace shoal::sup {

class ListenSocket {
  public:
    // socket + SO_REUSEADDR (a restart binds past TIME_WAIT) + bind + listen. Port 0 picks one.
    static common::Result<ListenSocket> open(const std::string& host, std::uint16_t port,
                                             int backlog = 4096);

    ListenSocket(ListenSocket&& other) noexcept;
    ListenSocket& operator=(ListenSocket&& other) noexcept;
    ListenSocket(const ListenSocket&) = delete;
    ListenSocket& operator=(const ListenSocket&) = delete;
    ~ListenSocket();

    int fd() const noexcept { return fd_; }
    std::uint16_t port() const noexcept { return port_; }

  private:
    ListenSocket(int fd, std::uint16_t port) : fd_(fd), port_(port) {}
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace shoal::sup
