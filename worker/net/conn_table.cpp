// SPDX-License-Identifier: MIT
// Slot allocation with a free list and generations.
#include "worker/net/conn_table.hpp"

namespace shoal::net {

ConnId ConnTable::add(Connection* c) {
    std::uint32_t index;
    if (!free_.empty()) {
        index = free_.back();
        free_.pop_back();
    } else {
        index = static_cast<std::uint32_t>(slots_.size());
        slots_.push_back(nullptr);
        gens_.push_back(0);
    }
    slots_[index] = c;
    ++size_;
    // Generation 0 is never handed out, so 0 is never a valid id.
    // The top bit stays clear: ids with kVirtualConnBit are the protocol layer's (handler.hpp).
    if (++gens_[index] == 0 || (gens_[index] & 0x8000'0000u)) gens_[index] = 1;
    return (static_cast<ConnId>(gens_[index]) << 32) | index;
}

void ConnTable::remove(ConnId id) noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (find(id) == nullptr) return;
    slots_[index] = nullptr;
    free_.push_back(index);
    --size_;
}

Connection* ConnTable::find(ConnId id) const noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (index >= slots_.size() || gens_[index] != static_cast<std::uint32_t>(id >> 32))
        return nullptr;
    return slots_[index];
}

}  // namespace shoal::net
