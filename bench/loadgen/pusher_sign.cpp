// SPDX-License-Identifier: MIT
// Pusher signatures over libcrypto (MD5, HMAC-SHA256).
#include "bench/loadgen/pusher_sign.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace shoal::loadgen {
namespace {

std::string to_hex(const unsigned char* bytes, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[bytes[i] >> 4];
        out[2 * i + 1] = kDigits[bytes[i] & 0xf];
    }
    return out;
}

}  // namespace

std::string md5_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
    return to_hex(digest, len);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len);
    return to_hex(digest, len);
}

std::string signed_query(const AppCredentials& app, std::string_view method, std::string_view path,
                         std::string_view body, std::uint64_t unix_seconds) {
    // Keys already in sorted order: auth_key < auth_timestamp < auth_version < body_md5.
    std::string query = "auth_key=" + app.key + "&auth_timestamp=" + std::to_string(unix_seconds) +
                        "&auth_version=1.0&body_md5=" + md5_hex(body);
    std::string to_sign;
    to_sign.reserve(method.size() + path.size() + query.size() + 2);
    to_sign.append(method).append("\n").append(path).append("\n").append(query);
    query += "&auth_signature=" + hmac_sha256_hex(app.secret, to_sign);
    return query;
}

std::string private_channel_auth(const AppCredentials& app, std::string_view socket_id,
                                 std::string_view channel) {
    std::string to_sign;
    to_sign.append(socket_id).append(":").append(channel);
    return app.key + ":" + hmac_sha256_hex(app.secret, to_sign);
}

}  // namespace shoal::loadgen
