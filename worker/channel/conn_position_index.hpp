// SPDX-License-Identifier: MIT
// ConnPositionIndex: conn -> position in a large topic's subscriber vector (TopicTable), an
// open-addressing table with linear probing and backward-shift deletion: 12 bytes a slot, at
// most 3/4 full, against an unordered_map's 24-byte node, chunk header and bucket (memory per
// connection, docs/benchmarks.md). Keys are never 0 (kNoConn), which marks a free slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "worker/net/handler.hpp"

namespace shoal::channel {

class ConnPositionIndex {
  public:
    static constexpr std::uint32_t kMissing = ~std::uint32_t{0};

    explicit ConnPositionIndex(std::size_t expected);
    std::uint32_t find(net::ConnId conn) const noexcept;
    // Inserts conn, or moves it to position.
    void set(net::ConnId conn, std::uint32_t position);
    void erase(net::ConnId conn) noexcept;
    std::size_t size() const noexcept { return size_; }

  private:
    std::size_t home(net::ConnId conn) const noexcept {
        return static_cast<std::size_t>((conn * 0x9E3779B97F4A7C15ull) >> shift_);
    }
    std::size_t slot_of(net::ConnId conn) const noexcept;  // conn's slot, or a free one
    void rehash(std::size_t capacity);

    std::unique_ptr<net::ConnId[]> keys_;
    std::unique_ptr<std::uint32_t[]> positions_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
    unsigned shift_ = 64;
};

}  // namespace shoal::channel
