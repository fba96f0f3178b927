// SPDX-License-Identifier: MIT
// SendQueue: a connection's bounded queue of shared frames (a fixed ring of FrameRefs plus a
// byte high-water mark). It never grows: a push over either bound fails and the connection is
// closed with the reconnect code. Bytes are never copied; a partly written head keeps an offset.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "worker/net/shared_frame.hpp"

namespace shoal::net {

class SendQueue {
  public:
    static constexpr std::size_t kCapacity = 64;

    explicit SendQueue(std::uint32_t high_water_bytes) noexcept : high_water_(high_water_bytes) {}

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
    // The unwritten bytes of the i-th queued frame.
    std::string_view pending(std::size_t i) const noexcept {
        std::string_view w = ring_[(head_ + i) % kSlots]->wire();
        return i == 0 ? w.substr(head_offset_) : w;
    }

  private:
    static constexpr std::size_t kSlots = kCapacity + 1;
    std::array<FrameRef, kSlots> ring_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    std::size_t head_offset_ = 0;
    std::size_t bytes_ = 0;  // unwritten bytes
    std::uint32_t high_water_;
};

}  // namespace shoal::net
