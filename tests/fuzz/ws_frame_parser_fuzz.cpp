// SPDX-License-Identifier: MIT
// Fuzz target: the RFC 6455 frame parser (worker/codec/ws_frame_parser). The input is one
// connection's bytes after the upgrade. Oracles: parsing the whole buffer and parsing the same
// bytes cut into pieces (the reads of a socket) give the same events and the same error (the
// 14-byte header spill, the control-frame spill and the message buffer are invisible); every
// text message and close reason delivered is valid UTF-8; no message exceeds the limit; a
// control payload never exceeds 125 bytes; a close code is one a peer may send.
// Control bytes: [options] [cut seed] [max piece].
#include <cstring>
#include <string>
#include <vector>

#include "common/utf8_validator.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/codec/ws_frame_parser.hpp"

using namespace shoal;

namespace {

class Transcript final : public codec::WsFrameSink {
  public:
    explicit Transcript(std::uint32_t max_message) : max_(max_message) {}
    std::vector<std::string> events;

    bool on_ws_message(codec::WsOpcode op, char* data, std::size_t len) override {
        FUZZ_CHECK(len <= max_);
        const std::string_view m(data, len);
        if (op == codec::WsOpcode::Text) FUZZ_CHECK(common::is_valid_utf8(m));
        FUZZ_CHECK(op == codec::WsOpcode::Text || op == codec::WsOpcode::Binary);
        events.push_back((op == codec::WsOpcode::Text ? "text " : "binary ") + std::string(m));
        return true;
    }
    bool on_ws_ping(std::string_view p) override {
        FUZZ_CHECK(p.size() <= codec::kMaxControlPayload);
        events.push_back("ping " + std::string(p));
        return true;
    }
    bool on_ws_pong(std::string_view p) override {
        FUZZ_CHECK(p.size() <= codec::kMaxControlPayload);
        events.push_back("pong " + std::string(p));
        return true;
    }
    bool on_ws_close(std::uint16_t code, std::string_view reason) override {
        FUZZ_CHECK(code == 1005 || codec::is_valid_close_code(code));
        FUZZ_CHECK(common::is_valid_utf8(reason));
        FUZZ_CHECK(reason.size() <= codec::kMaxControlPayload - 2);
        events.push_back("close " + std::to_string(code) + ' ' + std::string(reason));
        return true;
    }

  private:
    std::uint32_t max_;
};

template <class Piece>
std::vector<std::string> parse(std::string bytes, codec::WsParserOptions opt, Piece piece) {
    codec::WsFrameParser parser(opt);
    Transcript sink(opt.max_message_bytes);
    std::size_t at = 0;
    codec::ProtocolError e = codec::ProtocolError::None;
    while (at < bytes.size() && e == codec::ProtocolError::None && !parser.closed()) {
        std::size_t len = piece();
        if (len > bytes.size() - at) len = bytes.size() - at;
        // Each read lands in a fresh buffer, as it does in the server's one read buffer.
        std::string read(bytes.data() + at, len);
        at += len;
        e = parser.parse(read.data(), read.size(), sink);
        FUZZ_CHECK(parser.buffered_bytes() <= opt.max_message_bytes);
        if (e == codec::ProtocolError::None) parser.release_memory();
    }
    if (e != codec::ProtocolError::None) {
        const codec::ErrorAnswer a = codec::answer(e);
        FUZZ_CHECK(a.close_code == 1002 || a.close_code == 1007 || a.close_code == 1009);
        sink.events.push_back("error " + std::to_string(static_cast<int>(e)));
    } else if (!parser.closed()) {
        sink.events.push_back(parser.frame_in_progress() ? "cut frame" : "between frames");
    }
    return sink.events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Controls in(data, size);
    const std::uint8_t options = in.byte();
    codec::WsParserOptions opt;
    opt.require_mask = (options & 0x80) == 0;  // the server parser, and the client side's
    opt.max_message_bytes = 16u + (options & 0x7F) * 16u;
    fuzz::Cuts cuts(in.byte(), 1 + in.byte() % 32);
    const std::string bytes(in.rest());
    const auto whole = parse(bytes, opt, [&] { return bytes.size(); });
    const auto pieces = parse(bytes, opt, [&] { return cuts.next(); });
    FUZZ_CHECK(whole == pieces);
    return 0;
}
