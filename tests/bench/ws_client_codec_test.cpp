// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib
// Client framing (masked, RFC 6455 5.3/5.7) and server-frame scanning at every split point.
#include "bench/loadgen/ws_client_codec.hpp"

#include <cstring>
#include <string>

#include <catch2/catch.hpp>

using namespace shoal::loadgen;

TEST_CASE("ws_client_codec: a client frame is final, masked, and unmasks to the payload",
          "[bench][ws]") {
    for (const std::size_t n : {0u, 5u, 125u, 126u, 65535u, 65536u}) {
        const std::string payload(n, 'p');
        std::string out;
        append_client_frame(out, WsOpcode::Text, payload, 0x37FA213Du);
        const auto* b = reinterpret_cast<const unsigned char*>(out.data());
        REQUIRE(b[0] == 0x81);
        REQUIRE((b[1] & 0x80) != 0);
        const std::size_t header = n < 126 ? 2 : (n <= 0xFFFF ? 4 : 10);
        REQUIRE(out.size() == header + 4 + n);
        const unsigned char* mask = b + header;
        for (std::size_t i = 0; i < n; ++i) {
            REQUIRE(static_cast<char>(b[header + 4 + i] ^ mask[i & 3]) == 'p');
        }
    }
}

TEST_CASE("ws_client_codec: the RFC 6455 5.7 masked 'Hello' example encodes byte for byte",
          "[bench][ws]") {
    std::string out;
    const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
    std::uint32_t mask;
    std::memcpy(&mask, key, 4);
    append_client_frame(out, WsOpcode::Text, "Hello", mask);
    const std::string expected("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
    REQUIRE(out == expected);
}

TEST_CASE("ws_client_codec: server frames scan whole and report NeedMore at every split",
          "[bench][ws]") {
    std::string stream("\x81\x05Hello", 7);  // RFC 6455 5.7 unmasked text
    stream += std::string("\x89\x00", 2);    // ping, empty
    stream += std::string("\x81\x7e\x01\x00", 4) + std::string(256, 'a');
    std::string big("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
    stream += big + std::string(65536, 'b');
    for (std::size_t split = 0; split <= stream.size(); split += (split < 300 ? 1 : 997)) {
        std::string_view first(stream.data(), split);
        std::size_t at = 0, frames = 0;
        ServerFrame f;
        std::size_t used = 0;
        while (scan_server_frame(first.substr(at), 1 << 20, f, used) == ScanStatus::Frame) {
            at += used;
            ++frames;
        }
        // Feed the rest as the "next read" after the carry, as the subscriber does.
        std::string carry(first.substr(at));
        carry.append(stream.substr(split));
        std::string_view rest(carry);
        while (!rest.empty()) {
            REQUIRE(scan_server_frame(rest, 1 << 20, f, used) == ScanStatus::Frame);
            rest.remove_prefix(used);
            ++frames;
        }
        REQUIRE(frames == 4);
    }
    ServerFrame f;
    std::size_t used = 0;
    REQUIRE(scan_server_frame(stream, 1 << 20, f, used) == ScanStatus::Frame);
    REQUIRE(f.opcode == WsOpcode::Text);
    REQUIRE(f.payload == "Hello");
    REQUIRE(used == 7);
}

TEST_CASE("ws_client_codec: masked server frames, reserved bits, bad opcodes and oversize fail",
          "[bench][ws]") {
    ServerFrame f;
    std::size_t used = 0;
    REQUIRE(scan_server_frame(std::string("\x81\x85\x37\xfa\x21\x3d\x7f", 7), 1024, f, used) ==
            ScanStatus::Error);
    REQUIRE(scan_server_frame(std::string("\xC1\x00", 2), 1024, f, used) == ScanStatus::Error);
    REQUIRE(scan_server_frame(std::string("\x83\x00", 2), 1024, f, used) == ScanStatus::Error);
    REQUIRE(scan_server_frame(std::string("\x81\x7e\x08\x00", 4), 1024, f, used) ==
            ScanStatus::Error);
}

TEST_CASE("ws_client_codec: RSV1 is a compressed data frame only where deflate was agreed",
          "[bench][ws]") {
    const std::string compressed = std::string("\xc1\x03", 2) + "abc";
    ServerFrame f;
    std::size_t used = 0;
    REQUIRE(scan_server_frame(compressed, 1024, f, used) == ScanStatus::Error);
    REQUIRE(scan_server_frame(compressed, 1024, f, used, true) == ScanStatus::Frame);
    CHECK(f.compressed);
    CHECK(f.payload == "abc");
    const std::string plain = std::string("\x81\x03", 2) + "abc";
    REQUIRE(scan_server_frame(plain, 1024, f, used, true) == ScanStatus::Frame);
    CHECK_FALSE(f.compressed);
    // Never on a control frame, never RSV2/RSV3.
    CHECK(scan_server_frame(std::string("\xc9\x00", 2), 1024, f, used, true) == ScanStatus::Error);
    CHECK(scan_server_frame(std::string("\xa1\x00", 2), 1024, f, used, true) == ScanStatus::Error);
}

TEST_CASE("ws_client_codec: the accept value matches the RFC 6455 1.3 example", "[bench][ws]") {
    REQUIRE(websocket_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    const std::string key = websocket_key(7);
    REQUIRE(key.size() == 24);  // base64 of 16 bytes
    REQUIRE(key != websocket_key(8));
}
