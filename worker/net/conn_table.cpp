// SPDX-License-Identifier: MIT
// Slot allocation with a free list through the free slots, and generations.
#include "worker/net/conn_table.hpp"

namespace shoal::net {

ConnId ConnTable::add(Connection* c) {
    std::uint32_t index;
    if (free_head_ != kNoFree) {
        index = free_head_;
        free_head_ = static_cast<std::uint32_t>(page(index).word[index % kPageSlots] >> 1);
    } else {
        index = used_++;
        if (index / kPageSlots >= pages_.size()) {
            auto p = std::make_unique<Page>();
            for (std::uint32_t& g : p->gen)
                g = 0;
            pages_.push_back(std::move(p));
        }
    }
    Page& p = page(index);
    const std::uint32_t at = index % kPageSlots;
    p.word[at] = reinterpret_cast<std::uintptr_t>(c);
    ++size_;
    // Generation 0 is never handed out, so 0 is never a valid id.
    // The top bit stays clear: ids with kVirtualConnBit are the protocol layer's (handler.hpp).
    if (++p.gen[at] == 0 || (p.gen[at] & 0x8000'0000u)) p.gen[at] = 1;
    return (static_cast<ConnId>(p.gen[at]) << 32) | index;
}

void ConnTable::remove(ConnId id) noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (find(id) == nullptr) return;
    page(index).word[index % kPageSlots] =
        (static_cast<std::uintptr_t>(free_head_) << 1) | kFreeTag;
    free_head_ = index;
    --size_;
}

Connection* ConnTable::find(ConnId id) const noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (index >= used_) return nullptr;
    const Page& p = page(index);
    const std::uint32_t at = index % kPageSlots;
    if (p.gen[at] != static_cast<std::uint32_t>(id >> 32) || (p.word[at] & kFreeTag) != 0)
        return nullptr;
    return reinterpret_cast<Connection*>(p.word[at]);
}

}  // namespace shoal::net
