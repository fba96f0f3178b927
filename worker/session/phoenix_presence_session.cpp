// SPDX-License-Identifier: MIT
// Phoenix.Presence on presence:* topics, derived from the presence replica: the joiner gets
// presence_state (every user with one meta per connection), and every member gets a
// presence_diff per connection that joins or leaves (phoenix.js merges metas by phx_ref).
#include "worker/codec/phoenix_presence.hpp"
#include "worker/session/phoenix_sessions.hpp"

namespace shoal::session {
namespace {

bool has_key(const channel::PresenceUser* u, const channel::MemberKey& key) noexcept {
    if (!u) return false;
    for (const auto& k : u->connections)
        if (k == key) return true;
    return false;
}

}  // namespace

void PhoenixSessions::track(net::ConnId id, const PhoenixConnection& c, const PhoenixJoin& j) {
    const channel::MemberKey key{slot_, epoch_, id};
    presence_.join(j.topic, c.identity.user_id, c.identity.user_info, key);
    send_presence_state(id, j);
    const channel::PresenceUser* u = presence_.find(j.topic, c.identity.user_id);
    broadcast_diff(j.topic, c.identity.user_id, u ? std::string_view(u->info_json) : "{}", key,
                   true);
}

void PhoenixSessions::untrack(net::ConnId id, const PhoenixConnection& c, std::string_view topic) {
    const channel::MemberKey key{slot_, epoch_, id};
    const channel::PresenceUser* u = presence_.find(topic, c.identity.user_id);
    if (!has_key(u, key)) return;
    std::string info = u->info_json;  // the leave may erase the user
    presence_.leave(topic, c.identity.user_id, key);
    broadcast_diff(topic, c.identity.user_id, info, key, false);
}

void PhoenixSessions::send_presence_state(net::ConnId id, const PhoenixJoin& j) {
    payload_.assign("{");
    bool first_user = true;
    presence_.for_each_user(j.topic, [&](std::string_view user_id, const channel::PresenceUser& u) {
        if (!first_user) payload_ += ',';
        first_user = false;
        codec::open_presence_entry(payload_, user_id);
        for (std::size_t i = 0; i < u.connections.size(); ++i) {
            const auto& k = u.connections[i];
            if (i) payload_ += ',';
            scratch_.clear();
            codec::append_phx_ref(scratch_, k.slot, k.epoch, k.conn);
            codec::append_presence_meta(payload_, scratch_, u.info_json);
        }
        codec::close_presence_entry(payload_);
    });
    payload_ += '}';
    std::optional<std::string_view> ref;
    if (j.join_ref) ref = *j.join_ref;
    send_view(id, codec_.encode_message(ref, std::nullopt, j.topic, "presence_state", payload_));
}

void PhoenixSessions::broadcast_diff(std::string_view topic, std::string_view user_id,
                                     std::string_view info_json, const channel::MemberKey& key,
                                     bool join) {
    if (topics_.subscriber_count(topic) == 0) return;
    payload_.assign(join ? "{\"joins\":{" : "{\"joins\":{},\"leaves\":{");
    codec::open_presence_entry(payload_, user_id);
    scratch_.clear();
    codec::append_phx_ref(scratch_, key.slot, key.epoch, key.conn);
    codec::append_presence_meta(payload_, scratch_, info_json);
    codec::close_presence_entry(payload_);
    payload_ += join ? "},\"leaves\":{}}" : "}}";
    broadcast_view(
        topic, codec_.encode_message(std::nullopt, std::nullopt, topic, "presence_diff", payload_),
        channel::kNoConn);
}

}  // namespace shoal::session
