// SPDX-License-Identifier: MIT
// Ring arithmetic of the bounded queue; bytes accounting for partial writes.
#include "worker/net/send_queue.hpp"

#include "common/assert.hpp"

namespace shoal::net {

bool SendQueue::try_push(const FrameRef& frame) noexcept {
    const std::size_t size = frame->wire().size();
    if (count_ >= kCapacity) return false;
    if (count_ > 0 && bytes_ + size > high_water_) return false;
    ring_[(head_ + count_) % kSlots] = frame;
    ++count_;
    bytes_ += size;
    return true;
}

void SendQueue::push_final(FrameRef frame) noexcept {
    SHOAL_ASSERT(count_ < kSlots);
    bytes_ += frame->wire().size();
    ring_[(head_ + count_) % kSlots] = std::move(frame);
    ++count_;
}

void SendQueue::drop_tail(std::size_t keep) noexcept {
    while (count_ > keep) {
        --count_;
        FrameRef& slot = ring_[(head_ + count_) % kSlots];
        bytes_ -= slot->wire().size() - (count_ == 0 ? head_offset_ : 0);
        if (count_ == 0) head_offset_ = 0;
        slot.reset();
    }
}

void SendQueue::consume(std::size_t bytes) noexcept {
    SHOAL_ASSERT(bytes <= bytes_);
    bytes_ -= bytes;
    while (bytes > 0) {
        FrameRef& head = ring_[head_];
        const std::size_t left = head->wire().size() - head_offset_;
        if (bytes < left) {
            head_offset_ += bytes;
            return;
        }
        bytes -= left;
        head.reset();
        head_ = (head_ + 1) % kSlots;
        head_offset_ = 0;
        --count_;
    }
}

}  // namespace shoal::net
