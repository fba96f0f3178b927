// SPDX-License-Identifier: MIT
// The other workers' subscriber counts per topic, kept per slot so a dead slot's counts go with
// it, plus their running sum so host-wide answers cost one lookup. Control path only (counts
// change on subscribe/unsubscribe, never per message).
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "worker/channel/string_key.hpp"

namespace shoal::channel {

class SlotTopicCounts {
  public:
    // Sets slot's count of topic (0 removes it).
    void set(std::uint32_t slot, std::string_view topic, std::uint32_t count);
    void drop_slot(std::uint32_t slot);
    std::uint64_t total(std::string_view topic) const noexcept;

    // Between begin and end, topics of slot that are not set() again are dropped at end.
    void begin_reconcile(std::uint32_t slot);
    void end_reconcile(std::uint32_t slot);

    // f(std::string_view topic) for each topic some other slot has subscribers of.
    template <class F>
    void for_each_topic(F&& f) const {
        for (const auto& [name, n] : total_)
            f(std::string_view(name));
    }

  private:
    StringMap<std::uint32_t>& slot_map(std::uint32_t slot);

    std::vector<StringMap<std::uint32_t>> per_slot_;
    StringMap<std::uint64_t> total_;
    std::vector<std::unordered_set<std::string>> seen_;  // per slot while reconciling
    std::vector<bool> reconciling_;
};

}  // namespace shoal::channel
