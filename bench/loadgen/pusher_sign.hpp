// SPDX-License-Identifier: MIT
// Pusher signatures exactly as the Pusher HTTP API and private-channel auth define them:
// body_md5, the sorted query string, HMAC-SHA256 over "METHOD\nPATH\nQUERY", and "key:hmac" auth.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::loadgen {

struct AppCredentials {
    std::string id = "app-id";
    std::string key = "app-key";
    std::string secret = "app-secret";
};

std::string md5_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// The query string of a signed API request: auth_key, auth_timestamp, auth_version, body_md5
// (sorted, as signed) followed by auth_signature.
std::string signed_query(const AppCredentials& app, std::string_view method, std::string_view path,
                         std::string_view body, std::uint64_t unix_seconds);

// The "auth" value a client sends to subscribe to a private channel: "key:hex(hmac)".
std::string private_channel_auth(const AppCredentials& app, std::string_view socket_id,
                                 std::string_view channel);

}  // namespace shoal::loadgen
