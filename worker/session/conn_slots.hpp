// SPDX-License-Identifier: MIT
// ConnSlots<T>: per-connection protocol state kept by the transport's slot index (the low 32 bits
// of a net::ConnId, dense and reused: net/conn_table.hpp), in pages of 256 entries that never
// move. Against an unordered_map it saves the node header, the bucket and the allocator's chunk
// per connection, and growing never copies (memory per connection, docs/benchmarks.md). Only for
// the transport's own ids: a virtual id (net::kVirtualConnBit) has no dense index.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "worker/net/handler.hpp"

namespace shoal::session {

template <class T>
class ConnSlots {
  public:
    T* find(net::ConnId id) noexcept {
        Entry* e = entry(id);
        return e && e->id == id ? &e->value : nullptr;
    }
    const T* find(net::ConnId id) const noexcept { return const_cast<ConnSlots*>(this)->find(id); }
    bool contains(net::ConnId id) const noexcept { return find(id) != nullptr; }

    // The state of a connection that opens now, fresh (a stale entry in its slot is replaced).
    T& open(net::ConnId id) {
        const auto index = static_cast<std::uint32_t>(id);
        const std::size_t page = index / kPageEntries;
        if (page >= pages_.size()) pages_.resize(page + 1);
        if (!pages_[page]) pages_[page] = std::make_unique<Page>();
        Entry& e = (*pages_[page])[index % kPageEntries];
        if (e.id == 0) ++size_;
        e.id = id;
        e.value = T{};
        return e.value;
    }

    void erase(net::ConnId id) noexcept {
        Entry* e = entry(id);
        if (!e || e->id != id) return;
        e->id = 0;
        e->value = T{};
        --size_;
    }

    std::size_t size() const noexcept { return size_; }

    // f(ConnId, T&) for each open connection; f must not open or erase.
    template <class F>
    void for_each(F&& f) {
        for (auto& page : pages_)
            if (page)
                for (Entry& e : *page)
                    if (e.id != 0) f(e.id, e.value);
    }

  private:
    static constexpr std::size_t kPageEntries = 256;
    struct Entry {
        net::ConnId id = 0;  // 0: free (the transport never hands out 0)
        T value{};
    };
    using Page = std::array<Entry, kPageEntries>;

    Entry* entry(net::ConnId id) noexcept {
        const auto index = static_cast<std::uint32_t>(id);
        const std::size_t page = index / kPageEntries;
        if (page >= pages_.size() || !pages_[page]) return nullptr;
        return &(*pages_[page])[index % kPageEntries];
    }

    std::vector<std::unique_ptr<Page>> pages_;
    std::size_t size_ = 0;
};

}  // namespace shoal::session
