// SPDX-License-Identifier: MIT
// Upgrade checks and the Sec-WebSocket-Accept computation (SHA-1 and base64 of sha1.hpp).
#include "worker/codec/ws_handshake.hpp"

#include "worker/codec/sha1.hpp"

namespace shoal::codec {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// A 16-byte nonce in base64 is exactly 24 characters ending in "==".
bool valid_key(std::string_view key) {
    if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
    for (std::size_t i = 0; i < 22; ++i) {
        const char c = key[i];
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

UpgradeCheck check_ws_upgrade(const ParsedRequest& r) noexcept {
    UpgradeCheck out;
    const std::string_view upgrade = r.header("upgrade");
    if (upgrade.empty() || !header_has_token(upgrade, "websocket")) return out;
    out.is_upgrade = true;
    if (r.method != "GET" || r.version_minor != 1 ||
        !header_has_token(r.header("connection"), "upgrade") || r.header("host").empty()) {
        out.error = ProtocolError::HttpBadRequest;
        return out;
    }
    if (r.header("sec-websocket-version") != "13") {
        out.error = ProtocolError::HttpBadWsVersion;
        return out;
    }
    const std::string_view key = r.header("sec-websocket-key");
    if (!valid_key(key)) {
        out.error = ProtocolError::HttpBadRequest;
        return out;
    }
    out.key = key;
    return out;
}

std::string ws_accept_key(std::string_view key) {
    char input[64];
    const std::size_t n = key.size() < 24 ? key.size() : 24;
    key.copy(input, n);
    kGuid.copy(input + n, kGuid.size());
    char out[28];
    base64_digest(sha1({input, n + kGuid.size()}), out);
    return std::string(out, sizeof out);
}

std::string ws_upgrade_response(std::string_view key, std::string_view extra_headers) {
    std::string r;
    r.reserve(160);
    r += "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: ";
    r += ws_accept_key(key);
    r += "\r\n";
    r += extra_headers;
    r += "\r\n";
    return r;
}

}  // namespace shoal::codec
