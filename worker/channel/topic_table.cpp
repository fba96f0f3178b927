// SPDX-License-Identifier: MIT
#include "worker/channel/topic_table.hpp"

namespace shoal::channel {

std::size_t TopicTable::Topic::find(ConnId conn) const noexcept {
    if (index) {
        const std::uint32_t at = index->find(conn);
        return at == ConnPositionIndex::kMissing ? subs.size() : at;
    }
    for (std::size_t i = 0; i < subs.size(); ++i)
        if (subs[i].conn == conn) return i;
    return subs.size();
}

bool TopicTable::subscribe(std::string_view topic, ConnId conn, ProtocolTag protocol) {
    auto it = topics_.find(topic);
    if (it == topics_.end()) it = topics_.emplace(std::string(topic), Topic{}).first;
    Topic& t = it->second;
    if (t.find(conn) != t.subs.size()) return false;
    t.subs.push_back({conn, protocol});
    if (t.index) {
        t.index->set(conn, static_cast<std::uint32_t>(t.subs.size() - 1));
    } else if (t.subs.size() >= kIndexFrom) {
        t.index = std::make_unique<ConnPositionIndex>(t.subs.size() * 2);
        for (std::size_t i = 0; i < t.subs.size(); ++i)
            t.index->set(t.subs[i].conn, static_cast<std::uint32_t>(i));
    }
    return true;
}

bool TopicTable::unsubscribe(std::string_view topic, ConnId conn) {
    auto it = topics_.find(topic);
    if (it == topics_.end()) return false;
    Topic& t = it->second;
    const std::size_t i = t.find(conn);
    if (i == t.subs.size()) return false;
    // Order does not matter: swap-and-pop, and the moved subscriber's position follows it.
    t.subs[i] = t.subs.back();
    t.subs.pop_back();
    if (t.index) {
        t.index->erase(conn);
        if (i < t.subs.size()) t.index->set(t.subs[i].conn, static_cast<std::uint32_t>(i));
        if (t.subs.size() < kIndexFrom / 2) t.index.reset();
    }
    if (t.subs.empty()) topics_.erase(it);
    return true;
}

std::span<const Subscriber> TopicTable::subscribers(std::string_view topic) const noexcept {
    auto it = topics_.find(topic);
    if (it == topics_.end()) return {};
    return it->second.subs;
}

}  // namespace shoal::channel
