// SPDX-License-Identifier: MIT
#include "worker/codec/pusher_channel_name.hpp"

namespace shoal::codec {
namespace {

constexpr bool allowed_byte(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '=' || c == '@' || c == ',' || c == '.' || c == ';';
}

bool all_allowed(std::string_view s) noexcept {
    for (char c : s)
        if (!allowed_byte(c)) return false;
    return true;
}

}  // namespace

bool valid_channel_name(std::string_view name) noexcept {
    return !name.empty() && name.size() <= kMaxChannelNameBytes && all_allowed(name);
}

ChannelKind channel_kind(std::string_view name) noexcept {
    if (name.starts_with(kServerToUserPrefix)) return ChannelKind::ServerToUser;
    if (name.starts_with("private-encrypted-")) return ChannelKind::PrivateEncrypted;
    if (name.starts_with("private-")) return ChannelKind::Private;
    if (name.starts_with("presence-")) return ChannelKind::Presence;
    return ChannelKind::Public;
}

bool valid_user_id(std::string_view user_id) noexcept {
    return !user_id.empty() &&
           user_id.size() + kServerToUserPrefix.size() <= kMaxChannelNameBytes &&
           all_allowed(user_id);
}

}  // namespace shoal::codec
