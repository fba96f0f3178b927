// SPDX-License-Identifier: MIT
#include "worker/channel/slot_topic_counts.hpp"

#include <string>

namespace shoal::channel {

StringMap<std::uint32_t>& SlotTopicCounts::slot_map(std::uint32_t slot) {
    if (slot >= per_slot_.size()) {
        per_slot_.resize(slot + 1);
        seen_.resize(slot + 1);
        reconciling_.resize(slot + 1, false);
    }
    return per_slot_[slot];
}

void SlotTopicCounts::set(std::uint32_t slot, std::string_view topic, std::uint32_t count) {
    auto& m = slot_map(slot);
    if (reconciling_[slot]) seen_[slot].emplace(topic);
    std::uint32_t old = 0;
    auto it = m.find(topic);
    if (it != m.end()) old = it->second;
    if (old == count) return;
    if (count == 0)
        m.erase(it);
    else if (it == m.end())
        m.emplace(std::string(topic), count);
    else
        it->second = count;

    auto t = total_.find(topic);
    if (t == total_.end()) t = total_.emplace(std::string(topic), 0).first;
    t->second = t->second - old + count;
    if (t->second == 0) total_.erase(t);
}

void SlotTopicCounts::drop_slot(std::uint32_t slot) {
    auto& m = slot_map(slot);
    while (!m.empty())
        set(slot, std::string(m.begin()->first), 0);
}

std::uint64_t SlotTopicCounts::total(std::string_view topic) const noexcept {
    auto t = total_.find(topic);
    return t == total_.end() ? 0 : t->second;
}

void SlotTopicCounts::begin_reconcile(std::uint32_t slot) {
    slot_map(slot);
    reconciling_[slot] = true;
    seen_[slot].clear();
}

void SlotTopicCounts::end_reconcile(std::uint32_t slot) {
    auto& m = slot_map(slot);
    if (!reconciling_[slot]) return;
    reconciling_[slot] = false;
    std::vector<std::string> gone;
    for (const auto& [name, n] : m)
        if (!seen_[slot].contains(name)) gone.push_back(name);
    for (const auto& name : gone)
        set(slot, name, 0);
    seen_[slot].clear();
}

}  // namespace shoal::channel
