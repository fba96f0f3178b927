// SPDX-License-Identifier: MIT
// The client side of RFC 6455 framing: masked frames out, server frames in. Pure: no I/O, no
// clocks; the scanner returns views into the caller's buffer and never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::loadgen {

enum class WsOpcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// Appends one final, masked client frame (RFC 6455 5.3: a client masks every frame).
void append_client_frame(std::string& out, WsOpcode opcode, std::string_view payload,
                         std::uint32_t mask_key);

struct ServerFrame {
    WsOpcode opcode = WsOpcode::Text;
    bool fin = true;
    bool compressed = false;  // RSV1: permessage-deflate
    std::string_view payload;
};

enum class ScanStatus { Frame, NeedMore, Error };

// Reads one frame at the start of `bytes`. On Frame, `frame` views into `bytes` and `consumed`
// is the frame's full length. A masked server frame, reserved bits (RSV1 is allowed on a data
// frame when `deflate` was agreed), an unknown opcode or a payload over `max_payload` is an Error.
ScanStatus scan_server_frame(std::string_view bytes, std::size_t max_payload, ServerFrame& frame,
                             std::size_t& consumed, bool deflate = false) noexcept;

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 4.2.2).
std::string websocket_accept(std::string_view key);
// base64 of 16 bytes derived from `seed`: a Sec-WebSocket-Key.
std::string websocket_key(std::uint64_t seed);

}  // namespace shoal::loadgen
