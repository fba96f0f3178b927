// SPDX-License-Identifier: MIT
// The sums move with every table change, so a query is one lookup and a notification fires
// exactly when a sum crosses zero, whichever path removed the entry (leave, death, resync).
#include "supervisor/host_view/host_state.hpp"

namespace shoal::host_view {

bool HostState::join(const MemberKey& key, std::string_view info) {
    if (!table_.join(key, info)) return false;
    member_in(key, info);
    return true;
}

bool HostState::leave(const MemberKey& key) {
    if (!table_.leave(key)) return false;
    member_out(key);
    return true;
}

bool HostState::set_count(std::uint32_t slot, std::string_view topic, std::uint32_t n) {
    std::uint32_t old = 0;
    if (!table_.set_count(slot, topic, n, old)) return false;
    count_moved(topic, old, n);
    return true;
}

void HostState::drop_slot(std::uint32_t slot, std::uint64_t epoch) {
    table_.cancel_reconcile(slot);
    table_.drop_slot(
        slot, epoch, [&](const MemberKey& k, std::string_view) { member_out(k); },
        [&](std::uint32_t, std::string_view topic, std::uint32_t old) {
            count_moved(topic, old, 0);
        });
}

void HostState::end_reconcile(std::uint32_t slot, const std::function<void(const MemberKey&)>& f,
                              const std::function<void(std::uint32_t, std::string_view)>& g) {
    table_.end_reconcile(
        slot,
        [&](const MemberKey& k, std::string_view) {
            member_out(k);
            f(k);
        },
        [&](std::uint32_t s, std::string_view topic, std::uint32_t old) {
            count_moved(topic, old, 0);
            g(s, topic);
        });
}

std::uint32_t HostState::subscription_count(std::string_view topic) const {
    auto it = totals_.find(topic);
    return it == totals_.end() ? 0 : it->second;
}

std::uint32_t HostState::user_count(std::string_view topic) const {
    auto it = users_.find(topic);
    return it == users_.end() ? 0 : static_cast<std::uint32_t>(it->second.size());
}

void HostState::member_in(const MemberKey& key, std::string_view info) {
    auto topic = users_.find(key.topic);
    if (topic == users_.end()) topic = users_.emplace(key.topic, Users{}).first;
    auto [user, added] = topic->second.try_emplace(key.user, 0);
    if (user->second++ != 0 || muted_) return;
    for (HostObserver* o : observers_)
        o->on_member_added(key.topic, key.user, info);
}

void HostState::member_out(const MemberKey& key) {
    auto topic = users_.find(key.topic);
    if (topic == users_.end()) return;
    auto user = topic->second.find(key.user);
    if (user == topic->second.end() || --user->second != 0) return;
    topic->second.erase(user);
    if (topic->second.empty()) users_.erase(topic);
    if (muted_) return;
    for (HostObserver* o : observers_)
        o->on_member_removed(key.topic, key.user);
}

void HostState::count_moved(std::string_view topic, std::uint32_t old, std::uint32_t n) {
    auto it = totals_.find(topic);
    const std::uint32_t before = it == totals_.end() ? 0 : it->second;
    // Each slot's count is replaced, never added to, so the sum stays exact under repeats.
    const std::uint32_t after = before - old + n;
    if (after == 0) {
        if (it != totals_.end()) totals_.erase(it);
    } else if (it == totals_.end()) {
        totals_.emplace(std::string(topic), after);
    } else {
        it->second = after;
    }
    if (muted_) return;
    if (before == 0 && after != 0)
        for (HostObserver* o : observers_)
            o->on_occupied(topic);
    if (before != 0 && after == 0)
        for (HostObserver* o : observers_)
            o->on_vacated(topic);
}

}  // namespace shoal::host_view
