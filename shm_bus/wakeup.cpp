// SPDX-License-Identifier: MIT
// The idle-flag handshake of C8 (shm_bus/layout.hpp). It is Dekker's pattern: the reader stores
// idle then loads tail; the writer stores tail then loads idle; seq_cst on both sides means at
// least one of them sees the other, so a record is never left unannounced to a sleeping reader.
#include "shm_bus/wakeup.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <utility>

#include "common/assert.hpp"
#include "shm_bus/shared_access.hpp"

namespace shoal::bus {
using common::Result;

Result<std::vector<int>> create_wakeup_fds(std::uint32_t count) {
    std::vector<int> fds;
    fds.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        const int fd = ::eventfd(0, EFD_NONBLOCK);  // no EFD_CLOEXEC: workers inherit it
        if (fd < 0) {
            Result<std::vector<int>> err = common::sys_error("eventfd() failed");
            close_wakeup_fds(fds);
            return err;
        }
        fds.push_back(fd);
    }
    return fds;
}

void close_wakeup_fds(std::span<const int> fds) noexcept {
    for (int fd : fds)
        if (fd >= 0) ::close(fd);
}

Wakeup::Wakeup(Segment& segment, std::vector<int> fds, std::uint32_t self)
    : segment_(&segment), fds_(std::move(fds)), self_(self) {
    SHOAL_ASSERT(fds_.size() == segment.config().slots);
    SHOAL_ASSERT(self_ == kNoSlot || self_ < segment.config().slots);
}

int Wakeup::fd() const noexcept {
    SHOAL_ASSERT(self_ != kNoSlot);
    return fds_[self_];
}

void Wakeup::prepare_to_sleep() noexcept {
    // seq_cst: ordered before the reader's following loads of every ring's tail.
    segment_->slot(self_).idle.store(1, std::memory_order_seq_cst);
}

void Wakeup::cancel_sleep() noexcept {
    segment_->slot(self_).idle.store(0, std::memory_order_relaxed);
}

void Wakeup::clear() noexcept {
    std::uint64_t count;
    while (::read(fds_[self_], &count, sizeof count) == sizeof count) {
    }
    segment_->slot(self_).idle.store(0, std::memory_order_relaxed);
}

std::uint32_t Wakeup::notify_idle_readers() noexcept {
    // seq_cst fence: the tail stores before it are ordered before the idle loads after it.
    detail::fence_seq_cst();
    std::uint32_t woken = 0;
    const std::uint64_t one = 1;
    for (std::uint32_t i = 0; i < fds_.size(); ++i) {
        if (i == self_) continue;
        auto& idle = segment_->slot(i).idle;
        if (idle.load(std::memory_order_relaxed) == 0) continue;
        std::uint32_t expected = 1;
        // The CAS makes one sleep cost at most one write(2), however many writers see it.
        if (idle.compare_exchange_strong(expected, 0, std::memory_order_relaxed)) {
            // EAGAIN only if the counter is near overflow: the reader is awake by then anyway.
            [[maybe_unused]] auto n = ::write(fds_[i], &one, sizeof one);
            ++woken;
        }
    }
    return woken;
}

}  // namespace shoal::bus
