// SPDX-License-Identifier: MIT
// Client framing, server-frame scanning and the handshake's key/accept pair.
#include "bench/loadgen/ws_client_codec.hpp"

#include <cstring>

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace shoal::loadgen {

void append_client_frame(std::string& out, WsOpcode opcode, std::string_view payload,
                         std::uint32_t mask_key) {
    const std::size_t n = payload.size();
    out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
    if (n < 126) {
        out.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.push_back(static_cast<char>(n >> shift));
    }
    unsigned char mask[4];
    std::memcpy(mask, &mask_key, 4);
    out.append(reinterpret_cast<const char*>(mask), 4);
    const std::size_t at = out.size();
    out.append(payload);
    for (std::size_t i = 0; i < n; ++i)
        out[at + i] = static_cast<char>(out[at + i] ^ mask[i & 3]);
}

ScanStatus scan_server_frame(std::string_view bytes, std::size_t max_payload, ServerFrame& frame,
                             std::size_t& consumed, bool deflate) noexcept {
    if (bytes.size() < 2) return ScanStatus::NeedMore;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const unsigned op = p[0] & 0x0F;
    const bool rsv1 = (p[0] & 0x40) != 0;
    if ((p[0] & 0x30) != 0 || (p[1] & 0x80) != 0) return ScanStatus::Error;
    if (rsv1 && (!deflate || (op != 0x1 && op != 0x2))) return ScanStatus::Error;
    if (op > 0xA || (op > 0x2 && op < 0x8)) return ScanStatus::Error;
    std::size_t header = 2;
    std::uint64_t len = p[1] & 0x7F;
    if (len == 126) {
        if (bytes.size() < 4) return ScanStatus::NeedMore;
        len = (std::uint64_t{p[2]} << 8) | p[3];
        header = 4;
    } else if (len == 127) {
        if (bytes.size() < 10) return ScanStatus::NeedMore;
        len = 0;
        for (int i = 0; i < 8; ++i)
            len = (len << 8) | p[2 + i];
        header = 10;
    }
    if (len > max_payload) return ScanStatus::Error;
    if (bytes.size() - header < len) return ScanStatus::NeedMore;
    frame.opcode = static_cast<WsOpcode>(op);
    frame.fin = (p[0] & 0x80) != 0;
    frame.compressed = rsv1;
    frame.payload = bytes.substr(header, static_cast<std::size_t>(len));
    consumed = header + static_cast<std::size_t>(len);
    return ScanStatus::Frame;
}

std::string websocket_accept(std::string_view key) {
    static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string input(key);
    input.append(kGuid);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    unsigned char out[32] = {};
    const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

std::string websocket_key(std::uint64_t seed) {
    unsigned char raw[16];
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < 16; ++i) {
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9ull;
        raw[i] = static_cast<unsigned char>(x >> 56);
    }
    unsigned char out[32] = {};
    const int n = EVP_EncodeBlock(out, raw, 16);
    return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

}  // namespace shoal::loadgen
