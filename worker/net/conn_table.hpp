// SPDX-License-Identifier: MIT
// ConnTable: ConnId <-> Connection*. An id is a slot index plus a generation, so an id kept by
// the protocol layer after its connection closed never reaches a newer connection in that slot.
#pragma once

#include <cstdint>
#include <vector>

#include "worker/net/handler.hpp"

namespace shoal::net {

class Connection;

class ConnTable {
  public:
    ConnId add(Connection* c);
    void remove(ConnId id) noexcept;
    Connection* find(ConnId id) const noexcept;
    std::uint32_t size() const noexcept { return size_; }
    // Calls f(Connection&) for each live connection; f may close connections but not free them.
    template <class F>
    void for_each(F&& f) const {
        for (Connection* c : slots_)
            if (c) f(*c);
    }

  private:
    std::vector<Connection*> slots_;
    std::vector<std::uint32_t> gens_;
    std::vector<std::uint32_t> free_;
    std::uint32_t size_ = 0;
};

}  // namespace shoal::net
