// SPDX-License-Identifier: MIT
// Two indexes over the pending removals: by key (to cancel on a return) and by deadline (to fire
// in order). Events with the same deadline fire in the order they were scheduled, so a member's
// removal comes before the vacancy of the channel it left.
#include "supervisor/webhooks/grace_filter.hpp"

namespace shoal::webhooks {
namespace {

Transition to_transition(const std::tuple<std::string, std::string, bool>& k) {
    const auto& [topic, user, member] = k;
    return {member ? EventKind::MemberRemoved : EventKind::ChannelVacated, topic, user};
}

}  // namespace

bool GraceFilter::cancel(const Key& key) {
    auto it = pending_.find(key);
    if (it == pending_.end()) return false;
    order_.erase({it->second.deadline_ms, it->second.seq, key});
    pending_.erase(it);
    return true;
}

void GraceFilter::schedule(Key key, std::uint64_t now_ms, std::vector<Transition>& out) {
    if (grace_ms_ == 0) return out.push_back(to_transition(key));
    if (pending_.contains(key)) return;  // already leaving; the first deadline stands
    const Entry e{now_ms + grace_ms_, ++seq_};
    order_.insert({e.deadline_ms, e.seq, key});
    pending_.emplace(std::move(key), e);
}

void GraceFilter::occupied(std::string_view topic, std::uint64_t, std::vector<Transition>& out) {
    Key key{std::string(topic), std::string(), false};
    if (!cancel(key)) out.push_back({EventKind::ChannelOccupied, std::string(topic), {}});
}

void GraceFilter::vacated(std::string_view topic, std::uint64_t now_ms,
                          std::vector<Transition>& out) {
    schedule({std::string(topic), std::string(), false}, now_ms, out);
}

void GraceFilter::member_added(std::string_view topic, std::string_view user, std::uint64_t,
                               std::vector<Transition>& out) {
    Key key{std::string(topic), std::string(user), true};
    if (!cancel(key))
        out.push_back({EventKind::MemberAdded, std::string(topic), std::string(user)});
}

void GraceFilter::member_removed(std::string_view topic, std::string_view user,
                                 std::uint64_t now_ms, std::vector<Transition>& out) {
    schedule({std::string(topic), std::string(user), true}, now_ms, out);
}

void GraceFilter::due(std::uint64_t now_ms, std::vector<Transition>& out) {
    while (!order_.empty()) {
        auto first = order_.begin();
        if (std::get<0>(*first) > now_ms) return;
        out.push_back(to_transition(std::get<2>(*first)));
        pending_.erase(std::get<2>(*first));
        order_.erase(first);
    }
}

std::optional<std::uint64_t> GraceFilter::next_deadline_ms() const noexcept {
    if (order_.empty()) return std::nullopt;
    return std::get<0>(*order_.begin());
}

}  // namespace shoal::webhooks
