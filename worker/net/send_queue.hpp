// SPDX-License-Identifier: MIT
// SendQueue: a connection's bounded queue of shared frames (a ring of FrameRefs plus a byte
// high-water mark). It never grows past its bounds: a push over either fails and the connection
// is closed with the reconnect code. Bytes are never copied; a partly written head keeps an
// offset. An idle queue holds its frames inline (kInline); a backlog borrows a full ring from a
// per-thread pool and gives it back once empty, so idle connections do not pay for 65 slots.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "worker/net/shared_frame.hpp"

namespace shoal::net {

class SendQueue {
  public:
    static constexpr std::size_t kCapacity = 64;
    static constexpr std::size_t kInline = 2;

    // The high-water mark is capped at 2 GiB, so the queued bytes (under it, plus one frame
    // and the close frame) fit 32 bits.
    explicit SendQueue(std::uint32_t high_water_bytes) noexcept
        : slots_(inline_), high_water_(std::min(high_water_bytes, kMaxHighWater)) {}
    ~SendQueue();
    SendQueue(const SendQueue&) = delete;
    SendQueue& operator=(const SendQueue&) = delete;

    // Fails when the queue holds kCapacity frames, or when it is not empty and the frame would
    // take it over the high-water mark (a single large frame always fits an empty queue).
    bool try_push(const FrameRef& frame) noexcept;
    // One slot beyond the capacity is kept for the close frame that ends an overloaded connection.
    void push_final(FrameRef frame) noexcept;
    // Keeps the first `keep` frames (in flight or partly written), drops the rest.
    void drop_tail(std::size_t keep) noexcept;
    // Marks `bytes` as written: pops whole frames, advances the head offset.
    void consume(std::size_t bytes) noexcept;

    bool empty() const noexcept { return count_ == 0; }
    std::size_t size() const noexcept { return count_; }
    std::size_t queued_bytes() const noexcept { return bytes_; }
    std::size_t head_offset() const noexcept { return head_offset_; }
    // True while the frames live in a pooled ring rather than inline.
    bool spilled() const noexcept { return slots_ != inline_; }
    // The unwritten bytes of the i-th queued frame.
    std::string_view pending(std::size_t i) const noexcept {
        std::string_view w = slot(i)->wire();
        return i == 0 ? w.substr(head_offset_) : w;
    }

    // The calling thread's pool of rings: gives back to the allocator the rings that stayed
    // unused since the previous trim (call it every few seconds); returns how many were freed.
    static std::size_t trim_pool() noexcept;
    static std::size_t pooled_rings() noexcept;

  private:
    static constexpr std::uint32_t kSlots = kCapacity + 1;
    FrameRef& slot(std::size_t i) const noexcept {
        std::size_t at = head_ + i;
        if (at >= cap_) at -= cap_;
        return slots_[at];
    }
    void spill() noexcept;    // moves the inline frames into a pooled ring
    void unspill() noexcept;  // an empty queue gives its ring back

    // Bytes here are per connection (docs/benchmarks.md): positions up to kSlots fit a byte.
    static_assert(kSlots <= 255);
    static constexpr std::uint32_t kMaxHighWater = 1u << 31;
    FrameRef* slots_;
    std::uint32_t bytes_ = 0;  // unwritten bytes
    std::uint32_t head_offset_ = 0;
    std::uint32_t high_water_;
    std::uint8_t cap_ = kInline;
    std::uint8_t head_ = 0;
    std::uint8_t count_ = 0;
    FrameRef inline_[kInline];
};

}  // namespace shoal::net
