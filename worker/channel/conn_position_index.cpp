// SPDX-License-Identifier: MIT
#include "worker/channel/conn_position_index.hpp"

#include <bit>

namespace shoal::channel {

ConnPositionIndex::ConnPositionIndex(std::size_t expected) {
    rehash(std::bit_ceil(expected * 4 / 3 + 16));
}

std::size_t ConnPositionIndex::slot_of(net::ConnId conn) const noexcept {
    std::size_t i = home(conn);
    while (keys_[i] != 0 && keys_[i] != conn)
        i = (i + 1) & mask_;
    return i;
}

std::uint32_t ConnPositionIndex::find(net::ConnId conn) const noexcept {
    const std::size_t i = slot_of(conn);
    return keys_[i] == conn ? positions_[i] : kMissing;
}

void ConnPositionIndex::set(net::ConnId conn, std::uint32_t position) {
    std::size_t i = slot_of(conn);
    if (keys_[i] == 0) {
        if ((size_ + 1) * 4 > (mask_ + 1) * 3) {
            rehash((mask_ + 1) * 2);
            i = slot_of(conn);
        }
        keys_[i] = conn;
        ++size_;
    }
    positions_[i] = position;
}

void ConnPositionIndex::erase(net::ConnId conn) noexcept {
    std::size_t i = slot_of(conn);
    if (keys_[i] == 0) return;
    --size_;
    // Backward shift: each later entry of the run whose home is not in (i, j] moves into the
    // hole, so no lookup ever stops at a hole that used to hold an entry of its run.
    for (std::size_t j = i;;) {
        j = (j + 1) & mask_;
        if (keys_[j] == 0) break;
        const std::size_t k = home(keys_[j]);
        if (((j - k) & mask_) >= ((j - i) & mask_)) {
            keys_[i] = keys_[j];
            positions_[i] = positions_[j];
            i = j;
        }
    }
    keys_[i] = 0;
}

void ConnPositionIndex::rehash(std::size_t capacity) {
    std::unique_ptr<net::ConnId[]> old_keys = std::move(keys_);
    std::unique_ptr<std::uint32_t[]> old_positions = std::move(positions_);
    const std::size_t old_capacity = old_keys ? mask_ + 1 : 0;
    keys_ = std::make_unique<net::ConnId[]>(capacity);  // zeroed: every slot free
    positions_ = std::make_unique_for_overwrite<std::uint32_t[]>(capacity);
    mask_ = capacity - 1;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
    for (std::size_t i = 0; i < old_capacity; ++i) {
        if (old_keys[i] == 0) continue;
        const std::size_t at = slot_of(old_keys[i]);
        keys_[at] = old_keys[i];
        positions_[at] = old_positions[i];
    }
}

}  // namespace shoal::channel
