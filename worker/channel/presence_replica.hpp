// SPDX-License-Identifier: MIT
// Presence replica: topic -> user -> the set of (slot, epoch, connection) present as that user,
// with the user's info. A user is a member while it has at least one connection, so joins and
// leaves report UserAdded/UserRemoved once per user however many connections it has. Slot and
// epoch are 0/0 on a standalone worker; with the bus, the hub adds every other worker's joins and
// leaves here too, and sweeps a slot's connections when its epoch ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "worker/channel/string_key.hpp"
#include "worker/net/handler.hpp"

namespace shoal::channel {

// The epoch is the bus's full 64-bit slot epoch, so a key never aliases an earlier incarnation
// of its slot. Brace-initialised as {slot, epoch, conn} everywhere: keep that order.
struct MemberKey {
    std::uint32_t slot = 0;
    std::uint64_t epoch = 0;
    net::ConnId conn = 0;
    bool operator==(const MemberKey&) const = default;
};
// One per presence connection: 4 bytes of padding after slot, 24 in all (16 with a 32-bit epoch).
static_assert(sizeof(MemberKey) == 24);

struct PresenceUser {
    std::string info_json;  // the first connection's user_info
    std::vector<MemberKey> connections;
};

enum class PresenceChange { None, UserAdded, UserRemoved };

class PresenceReplica {
  public:
    // UserAdded when this is the user's first connection on the topic; None when the user was
    // already present or (topic, user, key) is already recorded.
    PresenceChange join(std::string_view topic, std::string_view user_id,
                        std::string_view info_json, const MemberKey& key);
    // UserRemoved when the user's last connection left; None otherwise (also when unknown).
    PresenceChange leave(std::string_view topic, std::string_view user_id, const MemberKey& key);

    std::size_t user_count(std::string_view topic) const noexcept;
    const PresenceUser* find(std::string_view topic, std::string_view user_id) const noexcept;

    // f(std::string_view user_id, const PresenceUser&) for each member of topic.
    template <class F>
    void for_each_user(std::string_view topic, F&& f) const {
        auto it = topics_.find(topic);
        if (it == topics_.end()) return;
        for (const auto& [id, user] : it->second)
            f(std::string_view(id), user);
    }

    // Drops each connection of `slot` for which keep(topic, user_id, key) is false;
    // f(topic, user_id) per user that left as a result (called before it is erased).
    template <class Keep, class F>
    void sweep_slot(std::uint32_t slot, Keep&& keep, F&& f);

    // f(std::string_view topic, std::string_view user_id, const PresenceUser&) for every member.
    template <class F>
    void for_each_member(F&& f) const {
        for (const auto& [topic, users] : topics_)
            for (const auto& [id, user] : users)
                f(std::string_view(topic), std::string_view(id), user);
    }

  private:
    StringMap<StringMap<PresenceUser>> topics_;
};

template <class Keep, class F>
void PresenceReplica::sweep_slot(std::uint32_t slot, Keep&& keep, F&& f) {
    for (auto t = topics_.begin(); t != topics_.end();) {
        auto& users = t->second;
        for (auto u = users.begin(); u != users.end();) {
            auto& conns = u->second.connections;
            std::erase_if(conns, [&](const MemberKey& k) {
                return k.slot == slot &&
                       !keep(std::string_view(t->first), std::string_view(u->first), k);
            });
            if (conns.empty()) {
                f(std::string_view(t->first), std::string_view(u->first));
                u = users.erase(u);
            } else {
                ++u;
            }
        }
        t = users.empty() ? topics_.erase(t) : std::next(t);
    }
}

}  // namespace shoal::channel
