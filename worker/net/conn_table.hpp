// SPDX-License-Identifier: MIT
// ConnTable: ConnId <-> Connection*. An id is a slot index plus a generation, so an id kept by
// the protocol layer after its connection closed never reaches a newer connection in that slot.
// Slots live in pages of kPageSlots that never move: 12 bytes a connection (its pointer and its
// generation), where vectors grown by doubling (plus a free-index vector) held 16-23. A free slot
// keeps the next free index in its pointer word, tagged by the low bit, so the free list costs
// nothing beside it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "worker/net/handler.hpp"

namespace shoal::net {

class Connection;

class ConnTable {
  public:
    static constexpr std::uint32_t kPageSlots = 1024;

    ConnId add(Connection* c);
    void remove(ConnId id) noexcept;
    Connection* find(ConnId id) const noexcept;
    std::uint32_t size() const noexcept { return size_; }
    // Calls f(Connection&) for each live connection; f may close connections but not free them.
    template <class F>
    void for_each(F&& f) const {
        for (std::uint32_t i = 0; i < used_; ++i) {
            const std::uintptr_t w = page(i).word[i % kPageSlots];
            if ((w & kFreeTag) == 0) f(*reinterpret_cast<Connection*>(w));
        }
    }

  private:
    static constexpr std::uintptr_t kFreeTag = 1;  // a Connection* is never odd
    static constexpr std::uint32_t kNoFree = ~0u;
    struct Page {
        std::uintptr_t word[kPageSlots];  // a Connection*, or (next free << 1) | kFreeTag
        std::uint32_t gen[kPageSlots];
    };
    Page& page(std::uint32_t index) const noexcept { return *pages_[index / kPageSlots]; }

    std::vector<std::unique_ptr<Page>> pages_;
    std::uint32_t used_ = 0;  // slots handed out so far (the free list reuses them)
    std::uint32_t free_head_ = kNoFree;
    std::uint32_t size_ = 0;
};

}  // namespace shoal::net
