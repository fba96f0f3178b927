// SPDX-License-Identifier: MIT
// Pusher channel-name rules: [A-Za-z0-9_\-=@,.;], 1..200 bytes, and the channel kinds the prefix
// selects. "#server-to-user-{id}" is reserved for signed-in users and never valid to subscribe to.
#pragma once

#include <cstddef>
#include <string_view>

namespace shoal::codec {

inline constexpr std::size_t kMaxChannelNameBytes = 200;

enum class ChannelKind { Public, Private, PrivateEncrypted, Presence, ServerToUser };

// True when every byte is allowed and the length is within 1..200. '#' is not an allowed byte, so
// reserved names fail here; use server_to_user_channel for those.
bool valid_channel_name(std::string_view name) noexcept;

ChannelKind channel_kind(std::string_view name) noexcept;

// Channels that need an auth signature to subscribe and accept client events.
inline bool needs_auth(ChannelKind kind) noexcept {
    return kind == ChannelKind::Private || kind == ChannelKind::PrivateEncrypted ||
           kind == ChannelKind::Presence;
}

// Cache channels remember their last event for new subscribers; the prefix before "cache-"
// keeps its own auth rules.
inline bool is_cache_channel(std::string_view name) noexcept {
    return name.starts_with("cache-") || name.starts_with("private-cache-") ||
           name.starts_with("presence-cache-") || name.starts_with("private-encrypted-cache-");
}

inline constexpr std::string_view kServerToUserPrefix = "#server-to-user-";

// The user's own channel name; the user id obeys the channel-name byte rules.
bool valid_user_id(std::string_view user_id) noexcept;

}  // namespace shoal::codec
