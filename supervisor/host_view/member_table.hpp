// SPDX-License-Identifier: MIT
// MemberTable: one host's presence connections and per-slot topic counts, as its workers
// announced them on their rings: (slot, epoch, conn, topic, user) -> info, (slot, topic) -> n.
// The host view keeps the one of this host (host_view.hpp); the cluster bridge keeps one per
// remote host (to render it to local workers and drop it when that host dies). Control path only.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace shoal::host_view {

inline constexpr std::uint32_t kEverySlot = 0xFFFFFFFFu;

struct MemberKey {
    std::uint32_t slot = 0;
    std::uint64_t epoch = 0;
    std::uint64_t conn = 0;
    std::string topic;
    std::string user;
    auto operator<=>(const MemberKey&) const = default;
};

class MemberTable {
  public:
    // True when (key) is new. A join of an epoch already announced down is ignored (false).
    bool join(const MemberKey& key, std::string_view info);
    // True when key was present.
    bool leave(const MemberKey& key);
    // Sets slot's count of topic (0 removes it); true when it changed, `old` is the previous.
    bool set_count(std::uint32_t slot, std::string_view topic, std::uint32_t n, std::uint32_t& old);
    bool stale(std::uint32_t slot, std::uint64_t epoch) const noexcept;

    // Removes slot's members of `epoch` or older (f(key, info) each, after removal) and its
    // counts (g(slot, topic, old) each); later records of those epochs are ignored.
    template <class F, class G>
    void drop_slot(std::uint32_t slot, std::uint64_t epoch, F&& f, G&& g);

    // Between begin and end of a slot (kEverySlot: all), its entries that are not announced
    // again are removed at end, reported like drop_slot's. Several slots may reconcile at once
    // (two rings lapped together), each ended by its own end_reconcile.
    void begin_reconcile(std::uint32_t slot);
    template <class F, class G>
    void end_reconcile(std::uint32_t slot, F&& f, G&& g);
    // Ends a slot's reconciliation without removing anything (its writer died: drop_slot did).
    void cancel_reconcile(std::uint32_t slot);
    bool reconciling() const noexcept { return !reconciling_.empty(); }
    bool reconciling(std::uint32_t slot) const noexcept { return reconciling_.contains(slot); }

    template <class F>
    void for_each_member(F&& f) const {
        for (const auto& [k, info] : members_)
            f(k, std::string_view(info));
    }
    // g(slot, topic, n)
    template <class G>
    void for_each_count(G&& g) const {
        for (const auto& [k, n] : counts_)
            g(k.first, std::string_view(k.second), n);
    }
    std::size_t member_count() const noexcept { return members_.size(); }
    std::size_t count_entries() const noexcept { return counts_.size(); }

  private:
    using CountKey = std::pair<std::uint32_t, std::string>;
    bool in_reconcile(std::uint32_t slot) const noexcept {
        return reconciling_.contains(slot) || reconciling_.contains(kEverySlot);
    }
    static bool covers(std::uint32_t ended, std::uint32_t slot) noexcept {
        return ended == kEverySlot || ended == slot;
    }
    void forget_seen(std::uint32_t slot);

    std::map<MemberKey, std::string> members_;
    std::map<CountKey, std::uint32_t> counts_;
    std::map<std::uint32_t, std::uint64_t> down_epoch_;
    std::set<std::uint32_t> reconciling_;
    std::set<MemberKey> seen_members_;
    std::set<CountKey> seen_counts_;
};

template <class F, class G>
void MemberTable::drop_slot(std::uint32_t slot, std::uint64_t epoch, F&& f, G&& g) {
    auto& d = down_epoch_[slot];
    d = std::max(d, epoch);
    for (auto it = members_.begin(); it != members_.end();) {
        if (it->first.slot == slot && it->first.epoch <= epoch) {
            auto node = members_.extract(it++);
            f(node.key(), std::string_view(node.mapped()));
        } else {
            ++it;
        }
    }
    for (auto it = counts_.begin(); it != counts_.end();) {
        if (it->first.first == slot) {
            auto node = counts_.extract(it++);
            g(slot, std::string_view(node.key().second), node.mapped());
        } else {
            ++it;
        }
    }
}

template <class F, class G>
void MemberTable::end_reconcile(std::uint32_t slot, F&& f, G&& g) {
    if (!reconciling_.contains(slot)) return;
    for (auto it = members_.begin(); it != members_.end();) {
        if (covers(slot, it->first.slot) && !seen_members_.contains(it->first)) {
            auto node = members_.extract(it++);
            f(node.key(), std::string_view(node.mapped()));
        } else {
            ++it;
        }
    }
    for (auto it = counts_.begin(); it != counts_.end();) {
        if (covers(slot, it->first.first) && !seen_counts_.contains(it->first)) {
            auto node = counts_.extract(it++);
            g(node.key().first, std::string_view(node.key().second), node.mapped());
        } else {
            ++it;
        }
    }
    reconciling_.erase(slot);
    forget_seen(slot);
}

}  // namespace shoal::host_view
