// SPDX-License-Identifier: MIT
// Pusher signatures: channel auth "key:hex(HMAC-SHA256(secret, socket_id:channel[:channel_data]))",
// user auth over "socket_id::user::user_data", and the digests the HTTP API needs. Comparisons of
// secrets-derived values run in constant time.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace shoal::codec {

using HexDigest = std::array<char, 64>;  // lower-case hex of a SHA-256 HMAC
using Md5Hex = std::array<char, 32>;

HexDigest hmac_sha256_hex(std::string_view secret, std::string_view message);
Md5Hex md5_hex(std::string_view data);

inline std::string_view view(const HexDigest& d) noexcept {
    return {d.data(), d.size()};
}
inline std::string_view view(const Md5Hex& d) noexcept {
    return {d.data(), d.size()};
}

// Constant time in the length of b for equal lengths; unequal lengths return false at once (the
// length of a hex digest is public).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// "key:signature" for a private or presence channel (channel_data empty for private channels).
std::string sign_channel(std::string_view key, std::string_view secret, std::string_view socket_id,
                         std::string_view channel, std::string_view channel_data);
bool verify_channel_auth(std::string_view key, std::string_view secret, std::string_view socket_id,
                         std::string_view channel, std::string_view channel_data,
                         std::string_view auth);

std::string sign_user(std::string_view key, std::string_view secret, std::string_view socket_id,
                      std::string_view user_data);
bool verify_user_auth(std::string_view key, std::string_view secret, std::string_view socket_id,
                      std::string_view user_data, std::string_view auth);

}  // namespace shoal::codec
