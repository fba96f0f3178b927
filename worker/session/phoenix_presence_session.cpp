// SPDX-License-Identifier: MIT
// Phoenix.Presence on presence:* topics, derived from the presence replica: the joiner gets
// presence_state (every user with one meta per connection), and every member gets a
// presence_diff per connection that joins or leaves (phoenix.js merges metas by phx_ref).
#include "worker/codec/phoenix_presence.hpp"
#include "worker/session/phoenix_sessions.hpp"

namespace shoal::session {
void PhoenixSessions::track(net::ConnId id, const PhoenixConnection& c, const PhoenixJoin& j) {
    // The hub reports the new connection back through on_presence_conn (the diff); the joiner's
    // state, which includes it, follows (phoenix.js holds diffs until the state arrives).
    hub_.join(j.topic, c.identity.user_id, c.identity.user_info, id);
    send_presence_state(id, j);
}

void PhoenixSessions::untrack(net::ConnId id, const PhoenixConnection& c, std::string_view topic) {
    hub_.leave(topic, c.identity.user_id, id);
}

void PhoenixSessions::send_presence_state(net::ConnId id, const PhoenixJoin& j) {
    payload_.assign("{");
    bool first_user = true;
    hub_.presence().for_each_user(
        j.topic, [&](std::string_view user_id, const channel::PresenceUser& u) {
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
    send_view(id, codec_.encode_message(ref, std::nullopt, common::topic_name(j.topic),
                                        "presence_state", payload_));
}

void PhoenixSessions::on_presence_conn(std::string_view topic, std::string_view user_id,
                                       std::string_view info_json, const channel::MemberKey& key,
                                       bool joined) {
    // Each worker renders diffs for its own members from its own replica: Phoenix presence puts
    // nothing on the bus beyond the replica's joins and leaves.
    const std::string_view name = common::topic_name(topic);
    if (!name.starts_with("presence:") || hub_.local_topics().subscriber_count(topic) == 0) return;
    payload_.assign(joined ? "{\"joins\":{" : "{\"joins\":{},\"leaves\":{");
    codec::open_presence_entry(payload_, user_id);
    scratch_.clear();
    codec::append_phx_ref(scratch_, key.slot, key.epoch, key.conn);
    codec::append_presence_meta(payload_, scratch_, info_json);
    codec::close_presence_entry(payload_);
    payload_ += joined ? "},\"leaves\":{}}" : "}}";
    hub_.deliver_local(topic, kPhoenixProtocol,
                       net::SharedFrame::make_text(codec_.encode_message(
                           std::nullopt, std::nullopt, name, "presence_diff", payload_)),
                       channel::kNoConn);
}

}  // namespace shoal::session
