// SPDX-License-Identifier: MIT
// test-support: alloc_counter
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/alloc_counter.hpp"
#include "worker/codec/ws_frame_encoder.hpp"
#include "worker/codec/ws_frame_parser.hpp"

using namespace shoal;

namespace {

struct CountingSink final : codec::WsFrameSink {
    std::size_t messages = 0, bytes = 0;
    bool on_ws_message(codec::WsOpcode, char*, std::size_t len) override {
        ++messages, bytes += len;
        return true;
    }
    bool on_ws_ping(std::string_view) override { return true; }
    bool on_ws_pong(std::string_view) override { return true; }
    bool on_ws_close(std::uint16_t, std::string_view) override { return true; }
};

}  // namespace

TEST_CASE("WsFrameParser: zero allocations per message after warm-up", "[worker][codec][alloc]") {
    const std::string text = R"({"event":"client-msg","channel":"private-a","data":{"x":1}})";
    const std::string one = codec::encode_client_frame(codec::WsOpcode::Text, text, 0x11223344);
    std::string stream;
    for (int i = 0; i < 20; ++i)
        stream += one;
    stream += codec::encode_client_frame(codec::WsOpcode::Text, text.substr(0, 10), 1, false);
    stream += codec::encode_client_frame(codec::WsOpcode::Ping, "p", 2);
    stream += codec::encode_client_frame(codec::WsOpcode::Continuation, text.substr(10), 3);
    const std::size_t per_round = 21;

    codec::WsFrameParser parser;
    CountingSink sink;
    std::string buf = stream;
    // Warm-up: the first fragmented message sizes the parser's buffer once.
    REQUIRE(parser.parse(buf.data(), buf.size(), sink) == codec::ProtocolError::None);

    test::AllocationScope scope;
    for (int round = 0; round < 1000; ++round) {
        buf.assign(stream);  // same size: no allocation
        // Cut every round at a different point so headers and payloads straddle reads.
        const std::size_t cut = 1 + static_cast<std::size_t>(round) % (buf.size() - 1);
        REQUIRE(parser.parse(buf.data(), cut, sink) == codec::ProtocolError::None);
        REQUIRE(parser.parse(buf.data() + cut, buf.size() - cut, sink) ==
                codec::ProtocolError::None);
    }
    REQUIRE(scope.count() == 0);
    REQUIRE(sink.messages == per_round * 1001);
}

TEST_CASE("WsFrameParser: a message in thousands of tiny fragments grows its buffer geometrically",
          "[worker][codec][alloc]") {
    std::string wire = codec::encode_client_frame(codec::WsOpcode::Binary, "a", 7, false);
    for (int i = 0; i < 4094; ++i)
        wire += codec::encode_client_frame(codec::WsOpcode::Continuation, "b", 7, false);
    wire += codec::encode_client_frame(codec::WsOpcode::Continuation, "c", 7, true);
    codec::WsFrameParser parser;
    CountingSink sink;
    test::AllocationScope scope;
    REQUIRE(parser.parse(wire.data(), wire.size(), sink) == codec::ProtocolError::None);
    REQUIRE(sink.messages == 1);
    REQUIRE(sink.bytes == 4096);
    REQUIRE(scope.count() <= 16);  // log2(4096) reallocations, not 4096
}
