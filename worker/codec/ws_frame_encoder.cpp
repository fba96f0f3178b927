// SPDX-License-Identifier: MIT
// Frame headers, whole frames, close payloads and the 8-byte-wide mask.
#include "worker/codec/ws_frame_encoder.hpp"

#include <cstring>

namespace shoal::codec {

std::size_t encode_ws_header(char* out, WsOpcode op, std::size_t payload_len, bool fin) noexcept {
    auto* o = reinterpret_cast<unsigned char*>(out);
    o[0] = static_cast<unsigned char>((fin ? 0x80 : 0x00) | static_cast<unsigned>(op));
    if (payload_len < 126) {
        o[1] = static_cast<unsigned char>(payload_len);
        return 2;
    }
    if (payload_len <= 0xFFFF) {
        o[1] = 126;
        o[2] = static_cast<unsigned char>(payload_len >> 8);
        o[3] = static_cast<unsigned char>(payload_len);
        return 4;
    }
    o[1] = 127;
    const auto len = static_cast<std::uint64_t>(payload_len);
    for (int i = 0; i < 8; ++i)
        o[2 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
    return 10;
}

std::size_t encode_ws_frame(char* out, WsOpcode op, std::string_view payload, bool fin) noexcept {
    const std::size_t h = encode_ws_header(out, op, payload.size(), fin);
    if (!payload.empty()) std::memcpy(out + h, payload.data(), payload.size());
    return h + payload.size();
}

std::size_t encode_close_payload(char* out, std::uint16_t code, std::string_view reason) noexcept {
    out[0] = static_cast<char>(code >> 8);
    out[1] = static_cast<char>(code & 0xFF);
    std::size_t n = reason.size() < kMaxControlPayload - 2 ? reason.size() : kMaxControlPayload - 2;
    // Never cut a UTF-8 sequence in half: back off continuation bytes at the cut.
    if (n < reason.size()) {
        while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80)
            --n;
    }
    if (n > 0) std::memcpy(out + 2, reason.data(), n);
    return 2 + n;
}

std::size_t apply_ws_mask(char* data, std::size_t len, const std::uint8_t key[4],
                          std::size_t phase) noexcept {
    auto* p = reinterpret_cast<unsigned char*>(data);
    std::size_t i = 0;
    // Align the key to the phase once, then XOR eight bytes at a time.
    std::uint8_t k[8];
    for (int j = 0; j < 8; ++j)
        k[j] = key[(phase + static_cast<std::size_t>(j)) & 3];
    std::uint64_t k64;
    std::memcpy(&k64, k, 8);
    for (; i + 8 <= len; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        w ^= k64;
        std::memcpy(p + i, &w, 8);
    }
    for (; i < len; ++i)
        p[i] ^= k[i & 7];
    return (phase + len) & 3;
}

std::string encode_client_frame(WsOpcode op, std::string_view payload, std::uint32_t mask_key,
                                bool fin, std::uint8_t rsv) {
    std::string out(ws_header_size(payload.size()) + 4 + payload.size(), '\0');
    std::size_t h = encode_ws_header(out.data(), op, payload.size(), fin);
    out[0] = static_cast<char>(static_cast<unsigned char>(out[0]) | ((rsv & 7u) << 4));
    out[1] = static_cast<char>(static_cast<unsigned char>(out[1]) | 0x80);
    const std::uint8_t key[4] = {
        static_cast<std::uint8_t>(mask_key >> 24), static_cast<std::uint8_t>(mask_key >> 16),
        static_cast<std::uint8_t>(mask_key >> 8), static_cast<std::uint8_t>(mask_key)};
    std::memcpy(out.data() + h, key, 4);
    h += 4;
    if (!payload.empty()) std::memcpy(out.data() + h, payload.data(), payload.size());
    apply_ws_mask(out.data() + h, payload.size(), key, 0);
    return out;
}

}  // namespace shoal::codec
