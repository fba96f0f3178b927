// SPDX-License-Identifier: MIT
// The nested epoll set and its one libuv watcher.
#include "worker/net/socket_poller.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.hpp"

namespace shoal::net {

SocketPoller::~SocketPoller() {
    if (epfd_ >= 0) ::close(epfd_);
}

common::Result<void> SocketPoller::start(uv_loop_t* loop, Dispatch dispatch, void* ctx) {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) return common::sys_error("epoll_create1() failed: the connection set");
    if (int r = uv_poll_init(loop, &handle_, epfd_); r != 0) {
        ::close(epfd_);
        epfd_ = -1;
        return common::sys_error("uv_poll_init() failed: the connection set", -r);
    }
    handle_.data = this;
    dispatch_ = dispatch;
    ctx_ = ctx;
    uv_poll_start(&handle_, UV_READABLE, on_ready);
    uv_unref(reinterpret_cast<uv_handle_t*>(&handle_));  // referenced while a socket is watched
    return {};
}

void SocketPoller::count(int delta) noexcept {
    const std::uint32_t before = watched_;
    watched_ = static_cast<std::uint32_t>(static_cast<int>(watched_) + delta);
    if (before == 0 && watched_ > 0) uv_ref(reinterpret_cast<uv_handle_t*>(&handle_));
    if (before > 0 && watched_ == 0) uv_unref(reinterpret_cast<uv_handle_t*>(&handle_));
}

bool SocketPoller::watch(int fd, std::uint64_t id, std::uint32_t events, bool watched) noexcept {
    epoll_event ev{};
    ev.events = ((events & kReadable) ? EPOLLIN : 0u) | ((events & kWritable) ? EPOLLOUT : 0u);
    ev.data.u64 = id;
    if (events == 0) {
        if (!watched) return true;
        // A socket that waits on nothing must leave the set: epoll reports a hang-up whatever
        // the interest, and level-triggered that would wake every iteration.
        ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev);
        count(-1);
        return true;
    }
    if (::epoll_ctl(epfd_, watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
        SHOAL_WARN("epoll_ctl() failed on a connection: %s", std::strerror(errno));
        if (watched) count(-1);
        return false;
    }
    if (!watched) count(1);
    return true;
}

void SocketPoller::closed(bool watched) noexcept {
    if (watched) count(-1);
}

void SocketPoller::close() noexcept {
    if (epfd_ < 0) return;
    // The handle stays valid until its close callback; the fd may go now (epoll forgets it).
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_), nullptr);
    ::close(epfd_);
    epfd_ = -1;
}

void SocketPoller::on_ready(uv_poll_t* h, int status, int) {
    auto* self = static_cast<SocketPoller*>(h->data);
    if (status < 0 || self->epfd_ < 0) return;
    epoll_event events[kBatch];
    const int n = ::epoll_wait(self->epfd_, events, kBatch, 0);
    for (int i = 0; i < n; ++i) {
        const std::uint32_t e = events[i].events;
        std::uint32_t what = 0;
        if (e & EPOLLERR) what |= kError;
        if (e & EPOLLHUP) what |= kHangup;
        if (e & EPOLLIN) what |= kReadable;
        if (e & EPOLLOUT) what |= kWritable;
        self->dispatch_(self->ctx_, events[i].data.u64, what);
    }
}

}  // namespace shoal::net
