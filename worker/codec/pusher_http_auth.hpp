// SPDX-License-Identifier: MIT
// Pusher HTTP API request signatures: auth_key, auth_timestamp (within a window), auth_version 1.0,
// body_md5 for a body, auth_signature = hex(HMAC-SHA256(secret, "METHOD\npath\nsorted query")) with
// the query's keys lower-cased and sorted, values decoded, auth_signature left out. Pure: the
// current time is passed in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::codec {

struct QueryParam {
    std::string key;    // lower-cased, percent-decoded
    std::string value;  // percent-decoded ('+' is a space)
};

inline constexpr std::size_t kMaxQueryParams = 32;

// Parses "a=b&c=d". False on a malformed escape or more than kMaxQueryParams parameters.
bool parse_query(std::string_view query, std::vector<QueryParam>& out);
// The value of key, or nullptr.
const std::string* find_param(const std::vector<QueryParam>& params, std::string_view key);

enum class HttpAuthStatus {
    Ok,
    MissingParams,  // auth_key, auth_timestamp, auth_version or auth_signature absent
    UnknownKey,
    BadVersion,
    Expired,  // auth_timestamp outside the window
    BadBodyMd5,
    BadSignature,
};

const char* http_auth_message(HttpAuthStatus status) noexcept;

struct HttpAuthInput {
    std::string_view method;
    std::string_view path;
    const std::vector<QueryParam>* params;
    std::string_view body;
};

HttpAuthStatus verify_http_auth(const HttpAuthInput& in, std::string_view key,
                                std::string_view secret, std::int64_t now_s,
                                std::int64_t window_s = 600);

// "METHOD\npath\nk=v&..." over params sorted by key, auth_signature left out.
std::string http_string_to_sign(std::string_view method, std::string_view path,
                                const std::vector<QueryParam>& params);

// A complete signed query string as the Pusher server SDKs build it (used by tests and benches).
std::string sign_http_query(std::string_view method, std::string_view path,
                            std::vector<QueryParam> params, std::string_view key,
                            std::string_view secret, std::int64_t timestamp_s,
                            std::string_view body);

}  // namespace shoal::codec
