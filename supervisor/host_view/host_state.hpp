// SPDX-License-Identifier: MIT
// HostState: the host's presence and counts as the MemberTable keeps them per (slot, epoch,
// connection), plus the host-wide sums a query or a webhook wants: per topic the subscribers over
// all slots, per presence topic the connections of each user. It tells its observers when a sum
// crosses zero. Pure: no loop, no bus; HostView feeds it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/host_view/host_view_sink.hpp"
#include "supervisor/host_view/member_table.hpp"

namespace shoal::host_view {

class HostState {
  public:
    void observe(HostObserver& o) { observers_.push_back(&o); }
    void unobserve(HostObserver& o) { std::erase(observers_, &o); }
    // While muted, changes move the table and the sums but tell no observer (state learned that
    // is not news: a cluster host's initial sync).
    void set_muted(bool muted) noexcept { muted_ = muted; }

    // Each true when the table changed (the same meaning as MemberTable's).
    bool join(const MemberKey& key, std::string_view info);
    bool leave(const MemberKey& key);
    bool set_count(std::uint32_t slot, std::string_view topic, std::uint32_t n);

    // The slot's entries of `epoch` and older go; an open reconciliation of it is over.
    void drop_slot(std::uint32_t slot, std::uint64_t epoch);
    void begin_reconcile(std::uint32_t slot) { table_.begin_reconcile(slot); }
    // f(key) for each member removed, g(slot, topic) for each count removed (after the sums).
    void end_reconcile(std::uint32_t slot, const std::function<void(const MemberKey&)>& f,
                       const std::function<void(std::uint32_t, std::string_view)>& g);

    // Host-wide subscribers of a topic (0: not occupied).
    std::uint32_t subscription_count(std::string_view topic) const;
    // Distinct users on a presence topic, however many connections each has.
    std::uint32_t user_count(std::string_view topic) const;
    // f(topic, subscribers) for each occupied topic, in name order.
    template <class F>
    void for_each_occupied(F&& f) const {
        for (const auto& [topic, n] : totals_)
            f(std::string_view(topic), n);
    }
    // f(user, connections) for each user on a presence topic, in id order.
    template <class F>
    void for_each_user(std::string_view topic, F&& f) const {
        auto it = users_.find(topic);
        if (it == users_.end()) return;
        for (const auto& [user, n] : it->second)
            f(std::string_view(user), n);
    }
    std::size_t occupied_count() const noexcept { return totals_.size(); }
    const MemberTable& table() const noexcept { return table_; }

  private:
    void member_in(const MemberKey& key, std::string_view info);
    void member_out(const MemberKey& key);
    void count_moved(std::string_view topic, std::uint32_t old, std::uint32_t n);

    using Users = std::map<std::string, std::uint32_t, std::less<>>;
    MemberTable table_;
    std::map<std::string, std::uint32_t, std::less<>> totals_;  // occupied topics only
    std::map<std::string, Users, std::less<>> users_;           // presence topic -> user -> conns
    std::vector<HostObserver*> observers_;
    bool muted_ = false;
};

}  // namespace shoal::host_view
