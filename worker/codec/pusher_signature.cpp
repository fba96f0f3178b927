// SPDX-License-Identifier: MIT
#include "worker/codec/pusher_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/assert.hpp"

namespace shoal::codec {
namespace {

template <std::size_t N>
void to_hex(const unsigned char* bytes, std::array<char, N>& out) noexcept {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < N / 2; ++i) {
        out[2 * i] = kDigits[bytes[i] >> 4];
        out[2 * i + 1] = kDigits[bytes[i] & 0xf];
    }
}

std::string channel_message(std::string_view socket_id, std::string_view channel,
                            std::string_view channel_data) {
    std::string m;
    m.reserve(socket_id.size() + channel.size() + channel_data.size() + 2);
    m.append(socket_id).append(":").append(channel);
    if (!channel_data.empty()) m.append(":").append(channel_data);
    return m;
}

std::string user_message(std::string_view socket_id, std::string_view user_data) {
    std::string m;
    m.reserve(socket_id.size() + user_data.size() + 8);
    m.append(socket_id).append("::user::").append(user_data);
    return m;
}

// auth is "key:hex"; the key must match and the hex must equal the expected digest.
bool verify_auth(std::string_view key, std::string_view secret, std::string_view message,
                 std::string_view auth) {
    if (auth.size() != key.size() + 1 + 64) return false;
    if (auth.substr(0, key.size()) != key || auth[key.size()] != ':') return false;
    return constant_time_equal(view(hmac_sha256_hex(secret, message)), auth.substr(key.size() + 1));
}

}  // namespace

HexDigest hmac_sha256_hex(std::string_view secret, std::string_view message) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const unsigned char* ok =
        HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
    SHOAL_ASSERT(ok != nullptr && len == 32);
    HexDigest out;
    to_hex(mac, out);
    return out;
}

Md5Hex md5_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    int ok = EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
    SHOAL_ASSERT(ok == 1 && len == 16);
    Md5Hex out;
    to_hex(md, out);
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string sign_channel(std::string_view key, std::string_view secret, std::string_view socket_id,
                         std::string_view channel, std::string_view channel_data) {
    auto d = hmac_sha256_hex(secret, channel_message(socket_id, channel, channel_data));
    return std::string(key).append(":").append(view(d));
}

bool verify_channel_auth(std::string_view key, std::string_view secret, std::string_view socket_id,
                         std::string_view channel, std::string_view channel_data,
                         std::string_view auth) {
    return verify_auth(key, secret, channel_message(socket_id, channel, channel_data), auth);
}

std::string sign_user(std::string_view key, std::string_view secret, std::string_view socket_id,
                      std::string_view user_data) {
    auto d = hmac_sha256_hex(secret, user_message(socket_id, user_data));
    return std::string(key).append(":").append(view(d));
}

bool verify_user_auth(std::string_view key, std::string_view secret, std::string_view socket_id,
                      std::string_view user_data, std::string_view auth) {
    return verify_auth(key, secret, user_message(socket_id, user_data), auth);
}

}  // namespace shoal::codec
