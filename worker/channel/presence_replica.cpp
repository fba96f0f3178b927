// SPDX-License-Identifier: MIT
#include "worker/channel/presence_replica.hpp"

#include <algorithm>

namespace shoal::channel {

PresenceChange PresenceReplica::join(std::string_view topic, std::string_view user_id,
                                     std::string_view info_json, const MemberKey& key) {
    auto t = topics_.find(topic);
    if (t == topics_.end())
        t = topics_.emplace(std::string(topic), StringMap<PresenceUser>{}).first;
    auto& users = t->second;
    auto u = users.find(user_id);
    if (u == users.end()) {
        PresenceUser user{std::string(info_json), {key}};
        users.emplace(std::string(user_id), std::move(user));
        return PresenceChange::UserAdded;
    }
    auto& conns = u->second.connections;
    if (std::find(conns.begin(), conns.end(), key) == conns.end()) conns.push_back(key);
    return PresenceChange::None;
}

PresenceChange PresenceReplica::leave(std::string_view topic, std::string_view user_id,
                                      const MemberKey& key) {
    auto t = topics_.find(topic);
    if (t == topics_.end()) return PresenceChange::None;
    auto& users = t->second;
    auto u = users.find(user_id);
    if (u == users.end()) return PresenceChange::None;
    auto& conns = u->second.connections;
    auto k = std::find(conns.begin(), conns.end(), key);
    if (k == conns.end()) return PresenceChange::None;
    conns.erase(k);
    if (!conns.empty()) return PresenceChange::None;
    users.erase(u);
    if (users.empty()) topics_.erase(t);
    return PresenceChange::UserRemoved;
}

std::size_t PresenceReplica::user_count(std::string_view topic) const noexcept {
    auto t = topics_.find(topic);
    return t == topics_.end() ? 0 : t->second.size();
}

const PresenceUser* PresenceReplica::find(std::string_view topic,
                                          std::string_view user_id) const noexcept {
    auto t = topics_.find(topic);
    if (t == topics_.end()) return nullptr;
    auto u = t->second.find(user_id);
    return u == t->second.end() ? nullptr : &u->second;
}

}  // namespace shoal::channel
