// SPDX-License-Identifier: MIT
#include "worker/codec/phoenix_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace shoal::codec {
namespace {

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64url_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex(len * 2, '0');
    for (unsigned i = 0; i < len; ++i) {
        hex[2 * i] = kHex[mac[i] >> 4];
        hex[2 * i + 1] = kHex[mac[i] & 0xf];
    }
    return hex;
}

}  // namespace

const char* token_status_text(TokenStatus status) noexcept {
    switch (status) {
        case TokenStatus::Ok:
            return "ok";
        case TokenStatus::Missing:
            return "missing token";
        case TokenStatus::Malformed:
            return "malformed token";
        case TokenStatus::BadSignature:
            return "invalid token signature";
        case TokenStatus::Expired:
            return "token expired";
        case TokenStatus::BadClaims:
            return "token claims must hold user_id and exp";
    }
    return "invalid token";
}

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        out += kB64Url[(v >> 18) & 63];
        out += kB64Url[(v >> 12) & 63];
        out += kB64Url[(v >> 6) & 63];
        out += kB64Url[v & 63];
    }
    if (bytes.size() - i == 1) {
        std::uint32_t v = at(i) << 16;
        out += kB64Url[(v >> 18) & 63];
        out += kB64Url[(v >> 12) & 63];
    } else if (bytes.size() - i == 2) {
        std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
        out += kB64Url[(v >> 18) & 63];
        out += kB64Url[(v >> 12) & 63];
        out += kB64Url[(v >> 6) & 63];
    }
    return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
    while (!text.empty() && text.back() == '=')
        text.remove_suffix(1);
    if (text.size() % 4 == 1) return false;
    out.clear();
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : text) {
        int v = b64url_value(c);
        if (v < 0) return false;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return true;
}

std::string make_phoenix_token(std::string_view claims_json, std::string_view secret) {
    std::string body = base64url_encode(claims_json);
    return body + "." + hmac_sha256_hex(secret, body);
}

TokenStatus verify_phoenix_token(std::string_view token, std::string_view secret,
                                 std::int64_t now_s, PhoenixIdentity& out) {
    if (token.empty()) return TokenStatus::Missing;
    if (token.size() > kMaxTokenBytes) return TokenStatus::Malformed;
    std::size_t dot = token.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return TokenStatus::Malformed;
    std::string_view body = token.substr(0, dot);
    std::string_view mac = token.substr(dot + 1);

    std::string expected = hmac_sha256_hex(secret, body);
    if (mac.size() != expected.size() ||
        CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0)
        return TokenStatus::BadSignature;

    std::string json;
    if (!base64url_decode(body, json)) return TokenStatus::Malformed;
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) return TokenStatus::Malformed;

    auto uid = doc.FindMember("user_id");
    auto exp = doc.FindMember("exp");
    if (uid == doc.MemberEnd() || exp == doc.MemberEnd() || !exp->value.IsNumber())
        return TokenStatus::BadClaims;
    if (uid->value.IsString() && uid->value.GetStringLength() > 0) {
        out.user_id.assign(uid->value.GetString(), uid->value.GetStringLength());
    } else if (uid->value.IsInt64()) {
        out.user_id = std::to_string(uid->value.GetInt64());
    } else {
        return TokenStatus::BadClaims;
    }
    out.exp = exp->value.IsInt64() ? exp->value.GetInt64()
                                   : static_cast<std::int64_t>(exp->value.GetDouble());
    if (out.exp <= now_s) return TokenStatus::Expired;

    out.user_info = "{}";
    auto info = doc.FindMember("user_info");
    if (info != doc.MemberEnd() && !info->value.IsNull()) {
        if (!info->value.IsObject()) return TokenStatus::BadClaims;
        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
        info->value.Accept(w);
        out.user_info.assign(sb.GetString(), sb.GetSize());
    }
    return TokenStatus::Ok;
}

}  // namespace shoal::codec
