// SPDX-License-Identifier: MIT
// The connect token of Phoenix clients: base64url(JSON {user_id, user_info, exp}) + "." +
// hex(HMAC-SHA256(app secret, the base64url part)). Pure: the caller passes the time in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::codec {

enum class TokenStatus { Ok, Missing, Malformed, BadSignature, Expired, BadClaims };

const char* token_status_text(TokenStatus status) noexcept;

struct PhoenixIdentity {
    std::string user_id;    // numbers are rendered as their decimal text, as Pusher user ids
    std::string user_info;  // compact JSON object, "{}" when absent
    std::int64_t exp = 0;   // seconds since the epoch
};

inline constexpr std::size_t kMaxTokenBytes = 4096;

TokenStatus verify_phoenix_token(std::string_view token, std::string_view secret,
                                 std::int64_t now_s, PhoenixIdentity& out);

// Builds a token (for tests, tools and documentation examples).
std::string make_phoenix_token(std::string_view claims_json, std::string_view secret);

// base64url without padding (RFC 4648 section 5); decoding also accepts '=' padding.
std::string base64url_encode(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace shoal::codec
