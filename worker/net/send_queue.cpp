// SPDX-License-Identifier: MIT
// Ring arithmetic of the bounded queue; bytes accounting for partial writes; the per-thread pool
// of spill rings (a loop thread owns its connections, so the pool needs no lock).
#include "worker/net/send_queue.hpp"

#include "common/assert.hpp"

namespace shoal::net {
namespace {

struct Ring {
    FrameRef slots[SendQueue::kCapacity + 1];  // first: a slots pointer is the ring's address
    Ring* next_free = nullptr;
};

// Rings come back empty (every FrameRef reset), so a pooled ring holds no frame alive.
struct RingPool {
    Ring* free = nullptr;
    std::size_t count = 0;
    std::size_t low_water = 0;  // fewest free rings since the last trim

    RingPool() = default;
    RingPool(const RingPool&) = delete;
    RingPool& operator=(const RingPool&) = delete;
    ~RingPool() {
        while (free) {
            Ring* r = free;
            free = r->next_free;
            delete r;
        }
    }
    FrameRef* take() {
        if (!free) return (new Ring)->slots;
        Ring* r = free;
        free = r->next_free;
        if (--count < low_water) low_water = count;
        return r->slots;
    }
    void give(FrameRef* slots) noexcept {
        auto* r = reinterpret_cast<Ring*>(slots);
        r->next_free = free;
        free = r;
        ++count;
    }
};

thread_local RingPool t_pool;

}  // namespace

SendQueue::~SendQueue() {
    drop_tail(0);
}

void SendQueue::spill() noexcept {
    SHOAL_ASSERT(!spilled());
    FrameRef* ring = t_pool.take();
    for (std::uint32_t i = 0; i < count_; ++i)
        ring[i] = std::move(slot(i));
    slots_ = ring;
    cap_ = kSlots;
    head_ = 0;
}

void SendQueue::unspill() noexcept {
    head_ = 0;
    if (!spilled()) return;
    t_pool.give(slots_);
    slots_ = inline_;
    cap_ = kInline;
}

bool SendQueue::try_push(const FrameRef& frame) noexcept {
    const std::size_t size = frame->wire().size();
    if (count_ >= kCapacity) return false;
    if (count_ > 0 && std::uint64_t{bytes_} + size > high_water_) return false;
    if (count_ == cap_) spill();
    slot(count_) = frame;
    ++count_;
    bytes_ += static_cast<std::uint32_t>(size);
    return true;
}

void SendQueue::push_final(FrameRef frame) noexcept {
    SHOAL_ASSERT(count_ < kSlots);
    if (count_ == cap_) spill();
    bytes_ += static_cast<std::uint32_t>(frame->wire().size());
    slot(count_) = std::move(frame);
    ++count_;
}

void SendQueue::drop_tail(std::size_t keep) noexcept {
    while (count_ > keep) {
        --count_;
        FrameRef& s = slot(count_);
        bytes_ -= static_cast<std::uint32_t>(s->wire().size() - (count_ == 0 ? head_offset_ : 0));
        if (count_ == 0) head_offset_ = 0;
        s.reset();
    }
    if (count_ == 0) unspill();
}

void SendQueue::consume(std::size_t bytes) noexcept {
    SHOAL_ASSERT(bytes <= bytes_);
    bytes_ -= static_cast<std::uint32_t>(bytes);
    while (bytes > 0) {
        FrameRef& head = slots_[head_];
        const std::size_t left = head->wire().size() - head_offset_;
        if (bytes < left) {
            head_offset_ += static_cast<std::uint32_t>(bytes);
            return;
        }
        bytes -= left;
        head.reset();
        head_ = head_ + 1 == cap_ ? 0 : head_ + 1;
        head_offset_ = 0;
        --count_;
    }
    if (count_ == 0) unspill();
}

std::size_t SendQueue::trim_pool() noexcept {
    std::size_t freed = 0;
    while (freed < t_pool.low_water && t_pool.free) {
        Ring* r = t_pool.free;
        t_pool.free = r->next_free;
        --t_pool.count;
        delete r;
        ++freed;
    }
    t_pool.low_water = t_pool.count;
    return freed;
}

std::size_t SendQueue::pooled_rings() noexcept {
    return t_pool.count;
}

}  // namespace shoal::net
