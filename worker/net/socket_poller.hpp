// SPDX-License-Identifier: MIT
// SocketPoller: the worker's client sockets in one epoll set of their own, which the loop watches
// through a single uv_poll_t. Per connection that is one epoll_ctl to start watching and none to
// stop (closing the socket removes it from the set), where a uv_poll_t per socket cost an ioctl,
// four epoll_ctl (uv_poll_init's ADD and DEL probe, the ADD, a DEL that fails after close) and
// 160 bytes. Level-triggered like uv_poll: what one wake leaves unread wakes the next iteration.
// Events name the connection by its id, so a socket closed earlier in the same batch (its
// Connection not freed yet, or its id gone from the table) is skipped by the caller.
#pragma once

#include <cstdint>

#include <uv.h>

#include "common/result.hpp"

namespace shoal::net {

class SocketPoller {
  public:
    static constexpr std::uint32_t kReadable = 1;
    static constexpr std::uint32_t kWritable = 2;
    static constexpr std::uint32_t kError = 4;   // EPOLLERR: the socket failed (a reset)
    static constexpr std::uint32_t kHangup = 8;  // EPOLLHUP: reported whatever the interest
    // One wake hands at most this many sockets; the rest wake the next iteration.
    static constexpr int kBatch = 256;
    using Dispatch = void (*)(void* ctx, std::uint64_t id, std::uint32_t events);

    SocketPoller() = default;
    SocketPoller(const SocketPoller&) = delete;
    SocketPoller& operator=(const SocketPoller&) = delete;
    ~SocketPoller();

    common::Result<void> start(uv_loop_t* loop, Dispatch dispatch, void* ctx);
    bool started() const noexcept { return epfd_ >= 0; }
    // Watches fd for `events` (kReadable | kWritable) under `id`: add when it was not watched,
    // modify when it was, remove when events is 0. False when epoll refuses.
    bool watch(int fd, std::uint64_t id, std::uint32_t events, bool watched) noexcept;
    // The socket's fd is closed by its owner: epoll forgot it; only the count of watched ones
    // changes (the handle keeps the loop alive while any socket is watched, as uv_poll did).
    void closed(bool watched) noexcept;
    void close() noexcept;  // closes the handle and the epoll fd (the loop must run once after)

  private:
    static void on_ready(uv_poll_t* h, int status, int events);
    void count(int delta) noexcept;

    uv_poll_t handle_{};
    int epfd_ = -1;
    std::uint32_t watched_ = 0;
    Dispatch dispatch_ = nullptr;
    void* ctx_ = nullptr;
};

}  // namespace shoal::net
