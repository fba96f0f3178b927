// SPDX-License-Identifier: MIT
#include "worker/codec/ws_frame_encoder.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace shoal::codec;

TEST_CASE("ws_frame_encoder: headers use the shortest length form", "[worker][codec]") {
    char h[10];
    REQUIRE(encode_ws_header(h, WsOpcode::Text, 125) == 2);
    REQUIRE(static_cast<unsigned char>(h[0]) == 0x81);
    REQUIRE(h[1] == 125);
    REQUIRE(encode_ws_header(h, WsOpcode::Binary, 126) == 4);
    REQUIRE(static_cast<unsigned char>(h[1]) == 126);
    REQUIRE(static_cast<unsigned char>(h[3]) == 126);
    REQUIRE(encode_ws_header(h, WsOpcode::Binary, 65535) == 4);
    REQUIRE(encode_ws_header(h, WsOpcode::Binary, 65536, false) == 10);
    REQUIRE(static_cast<unsigned char>(h[0]) == 0x02);
    REQUIRE(static_cast<unsigned char>(h[1]) == 127);
    REQUIRE(h[7] == 1);
    REQUIRE(ws_header_size(65536) == 10);
}

TEST_CASE("ws_frame_encoder: the RFC 6455 unmasked Hello frame", "[worker][codec]") {
    char out[16];
    const std::size_t n = encode_ws_frame(out, WsOpcode::Text, "Hello");
    REQUIRE(std::string(out, n) == std::string("\x81\x05Hello", 7));
}

TEST_CASE("ws_frame_encoder: masking is an involution at any phase", "[worker][codec]") {
    const std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    std::string data = "Hello, a payload longer than eight bytes";
    const std::string orig = data;
    std::size_t phase = apply_ws_mask(data.data(), 3, key, 0);
    apply_ws_mask(data.data() + 3, data.size() - 3, key, phase);
    REQUIRE(std::string(data.substr(0, 5)) == std::string("\x7f\x9f\x4d\x51\x58", 5));
    apply_ws_mask(data.data(), data.size(), key, 0);
    REQUIRE(data == orig);
}

TEST_CASE("ws_frame_encoder: close payloads are cut to 125 bytes on a code point",
          "[worker][codec]") {
    char out[kMaxControlPayload];
    REQUIRE(encode_close_payload(out, 1001, "bye") == 5);
    REQUIRE(static_cast<unsigned char>(out[0]) == 0x03);
    REQUIRE(static_cast<unsigned char>(out[1]) == 0xE9);
    std::string reason(122, 'a');
    reason += "\xE2\x82\xAC";  // a 3-byte code point straddling the limit
    const std::size_t n = encode_close_payload(out, 1000, reason);
    REQUIRE(n == 124);
}
