// SPDX-License-Identifier: MIT
// RFC 6455 frame encoding: server frames (unmasked) for the send path, masked client frames for
// tests and benchmarks, and the masking primitive shared with the parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::codec {

enum class WsOpcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

constexpr std::size_t kMaxFrameHeaderBytes = 14;  // 2 + 8 (length) + 4 (mask key)
constexpr std::size_t kMaxControlPayload = 125;

// Size of an unmasked header for this payload length: 2, 4 or 10.
constexpr std::size_t ws_header_size(std::size_t payload_len) noexcept {
    return payload_len < 126 ? 2 : payload_len <= 0xFFFF ? 4 : 10;
}

// Writes an unmasked header into out (at least 10 bytes); returns its size.
std::size_t encode_ws_header(char* out, WsOpcode op, std::size_t payload_len,
                             bool fin = true) noexcept;

// Writes header and payload into out (ws_header_size(len) + len bytes); returns the total.
std::size_t encode_ws_frame(char* out, WsOpcode op, std::string_view payload,
                            bool fin = true) noexcept;

// A close payload: the code in network order then the reason, cut to fit a control frame.
// Writes at most kMaxControlPayload bytes into out; returns the size.
std::size_t encode_close_payload(char* out, std::uint16_t code, std::string_view reason) noexcept;

// XORs data with the 4-byte key starting at key position `phase` (0-3); returns the next phase.
std::size_t apply_ws_mask(char* data, std::size_t len, const std::uint8_t key[4],
                          std::size_t phase) noexcept;

// A complete masked client frame. rsv is placed in bits 4-6 of the first byte (tests only).
std::string encode_client_frame(WsOpcode op, std::string_view payload, std::uint32_t mask_key,
                                bool fin = true, std::uint8_t rsv = 0);

}  // namespace shoal::codec
