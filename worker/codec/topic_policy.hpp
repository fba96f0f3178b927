// SPDX-License-Identifier: MIT
// The shared topic namespace's one policy: which names are guarded (a client must prove who it
// is to receive them), which carry presence, which are reserved for the server. Every protocol
// speaks the same names, so one protocol's public topic is never another's guarded one: the
// Pusher prefixes (private-, presence-) and the Phoenix ones (private:, presence:) guard alike.
#pragma once

#include <string_view>

namespace shoal::codec {

enum class TopicAccess {
    Public,    // anyone may join; events from any protocol's clients reach it
    Guarded,   // joining needs the protocol's proof (a Pusher signature, a Phoenix token)
    Reserved,  // "#...": the server's own (Pusher #server-to-user-*); no client joins it
};

TopicAccess topic_access(std::string_view topic) noexcept;

// presence-* (Pusher) and presence:* (Phoenix): joins are tracked as members.
bool is_presence_topic(std::string_view topic) noexcept;

// Whether a client of one protocol may publish to the subscribers of another on this topic.
// Only public topics: a guarded topic's subscribers trust what their own protocol's auth
// admitted (Pusher client events stay within Pusher), and nobody publishes to a reserved one.
inline bool accepts_foreign_client_events(std::string_view topic) noexcept {
    return topic_access(topic) == TopicAccess::Public;
}

}  // namespace shoal::codec
