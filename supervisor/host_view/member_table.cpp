// SPDX-License-Identifier: MIT
#include "supervisor/host_view/member_table.hpp"

namespace shoal::host_view {

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
    reconciling_.insert(slot);
    forget_seen(slot);  // a second request for the same slot starts its count over
}

void MemberTable::cancel_reconcile(std::uint32_t slot) {
    if (reconciling_.erase(slot) != 0) forget_seen(slot);
}

void MemberTable::forget_seen(std::uint32_t slot) {
    std::erase_if(seen_members_, [&](const MemberKey& k) { return covers(slot, k.slot); });
    std::erase_if(seen_counts_, [&](const CountKey& k) { return covers(slot, k.first); });
}

}  // namespace shoal::host_view
