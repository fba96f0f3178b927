// SPDX-License-Identifier: MIT
// RFC 6455 frame parser: in-place unmasking, a 14-byte spill for a header cut by a read, control
// frames interleaved with fragments, incremental UTF-8 checks and a message-size limit. A frame
// that arrives whole is delivered as a view into the caller's buffer and never copied; only a
// partial frame or a fragmented message is moved into the parser's own bounded buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/utf8_validator.hpp"
#include "worker/codec/protocol_errors.hpp"
#include "worker/codec/ws_frame_encoder.hpp"

namespace shoal::codec {

// Receives what the parser finds. Each call returns true to keep parsing, false to stop (the
// rest of the buffer is left unread). Views are valid only during the call; message bytes may be
// modified in place.
class WsFrameSink {
  public:
    virtual bool on_ws_message(WsOpcode op, char* data, std::size_t len) = 0;  // Text or Binary
    virtual bool on_ws_ping(std::string_view payload) = 0;
    virtual bool on_ws_pong(std::string_view payload) = 0;
    // code is 1005 when the close frame carried none. The parser stops after a close frame.
    virtual bool on_ws_close(std::uint16_t code, std::string_view reason) = 0;

  protected:
    ~WsFrameSink() = default;
};

struct WsParserOptions {
    std::uint32_t max_message_bytes = 64 * 1024;
    bool require_mask = true;  // server side: client frames must be masked
    // permessage-deflate was negotiated: RSV1 marks the first frame of a compressed message.
    bool permessage_deflate = false;
};

class WsFrameParser {
  public:
    explicit WsFrameParser(WsParserOptions options = {}) noexcept : opt_(options) {}

    // Parses data (modified in place). Returns None, or the first protocol error; after an error
    // or a close frame the parser consumes nothing more.
    ProtocolError parse(char* data, std::size_t len, WsFrameSink& sink);

    bool closed() const noexcept { return done_; }
    // Accepts RSV1 on a message's first frame from now on (after a 101 that agreed to it).
    void enable_permessage_deflate() noexcept { opt_.permessage_deflate = true; }
    // During on_ws_message: the message's bytes are still compressed (RSV1 was set). Its UTF-8
    // is then not checked here: only the inflated text can be.
    bool message_compressed() const noexcept { return message_compressed_; }
    // True while a frame is cut: part of its header or of its payload has arrived, not all.
    // (Between the frames of a fragmented message this is false.)
    bool frame_in_progress() const noexcept { return !done_ && (spill_len_ > 0 || in_frame_); }
    // True when the frame in progress began in the last parse() (its deadline starts now);
    // false when it is one that an earlier parse() began.
    bool frame_began_last_parse() const noexcept { return frame_began_; }
    // Nothing is in progress (no frame, message or control frame cut by a read) and no close
    // or error was seen: between reads only the options matter, so a connection in this state
    // needs no parser of its own (net::Connection borrows the server's).
    bool idle() const noexcept {
        return !done_ && spill_len_ == 0 && !in_frame_ && !in_message_ && control_len_ == 0;
    }
    // Bytes held between reads (the partial message); 0 for an idle connection.
    std::size_t buffered_bytes() const noexcept { return message_.size; }
    // Gives the message buffer back if no message is in progress.
    void release_memory() noexcept;

  private:
    // The partial message's bytes: 16 bytes where a std::string takes 32 (every connection
    // embeds a parser; docs/benchmarks.md, memory per connection). Bounded by max_message_bytes.
    struct MessageBuffer {
        std::unique_ptr<char[]> data;
        std::uint32_t size = 0;
        std::uint32_t capacity = 0;
        void reserve(std::uint32_t want);
        void release() noexcept {
            data.reset();
            size = capacity = 0;
        }
    };

    bool take_header(const char*& p, std::size_t& n);
    ProtocolError check_header() noexcept;
    ProtocolError on_payload(char* p, std::size_t n, WsFrameSink& sink, bool& go_on);
    ProtocolError finish_control(char* p, std::size_t n, WsFrameSink& sink, bool& go_on);

    WsParserOptions opt_;
    // the frame being read
    std::uint8_t spill_[kMaxFrameHeaderBytes] = {};
    std::uint8_t spill_len_ = 0;
    std::uint8_t mask_[4] = {0, 0, 0, 0};
    std::uint8_t mask_phase_ = 0;
    bool in_frame_ = false;
    bool fin_ = false;
    bool masked_ = false;
    std::uint8_t rsv_ = 0;  // the header's RSV1-3 bits
    bool message_compressed_ = false;
    WsOpcode op_ = WsOpcode::Text;
    std::uint64_t remaining_ = 0;
    std::uint64_t frame_len_ = 0;
    // a control frame cut by a read (rare: allocated on first need, so an idle parser is small)
    std::unique_ptr<char[]> control_;
    std::uint8_t control_len_ = 0;
    // the message being assembled (fragmented, or a frame cut by a read)
    bool in_message_ = false;
    bool done_ = false;
    bool frame_began_ = false;  // a frame's first byte came in the last parse()
    WsOpcode message_op_ = WsOpcode::Text;
    std::uint32_t message_len_ = 0;  // declared lengths of its frames so far (<= the limit)
    MessageBuffer message_;
    common::Utf8Validator utf8_;
};

}  // namespace shoal::codec
