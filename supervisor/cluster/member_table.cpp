// SPDX-License-Identifier: MIT
#include "supervisor/cluster/member_table.hpp"

namespace shoal::cluster {

bool MemberTable::join(const MemberKey& key, std::string_view info) {
    if (stale(key.slot, key.epoch)) return false;
    if (in_reconcile(key.slot)) seen_members_.insert(key);
    return members_.try_emplace(key, std::string(info)).second;
}

bool MemberTable::leave(const MemberKey& key) {
    return members_.erase(key) > 0;
}

bool MemberTable::set_count(std::uint32_t slot, std::string_view topic, std::uint32_t n,
                            std::uint32_t& old) {
    CountKey key{slot, std::string(topic)};
    if (in_reconcile(slot)) seen_counts_.insert(key);
    auto it = counts_.find(key);
    old = it == counts_.end() ? 0 : it->second;
    if (old == n) return false;
    if (n == 0)
        counts_.erase(it);
    else if (it == counts_.end())
        counts_.emplace(std::move(key), n);
    else
        it->second = n;
    return true;
}

bool MemberTable::stale(std::uint32_t slot, std::uint64_t epoch) const noexcept {
    auto it = down_epoch_.find(slot);
    return it != down_epoch_.end() && epoch <= it->second;
}

void MemberTable::begin_reconcile(std::uint32_t slot) {
    reconcile_slot_ = slot;
    seen_members_.clear();
    seen_counts_.clear();
}

}  // namespace shoal::cluster
