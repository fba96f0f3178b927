// SPDX-License-Identifier: MIT
#include "worker/channel/topic_table.hpp"

namespace shoal::channel {

bool TopicTable::subscribe(std::string_view topic, ConnId conn, ProtocolTag protocol) {
    auto it = topics_.find(topic);
    if (it == topics_.end())
        it = topics_.emplace(std::string(topic), std::vector<Subscriber>{}).first;
    auto& subs = it->second;
    for (const auto& s : subs)
        if (s.conn == conn) return false;
    subs.push_back({conn, protocol});
    return true;
}

bool TopicTable::unsubscribe(std::string_view topic, ConnId conn) {
    auto it = topics_.find(topic);
    if (it == topics_.end()) return false;
    auto& subs = it->second;
    for (std::size_t i = 0; i < subs.size(); ++i) {
        if (subs[i].conn != conn) continue;
        subs[i] = subs.back();  // order does not matter; swap-and-pop keeps removal O(1) after find
        subs.pop_back();
        if (subs.empty()) topics_.erase(it);
        return true;
    }
    return false;
}

std::span<const Subscriber> TopicTable::subscribers(std::string_view topic) const noexcept {
    auto it = topics_.find(topic);
    if (it == topics_.end()) return {};
    return it->second;
}

}  // namespace shoal::channel
