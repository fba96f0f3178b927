// SPDX-License-Identifier: MIT
// The frame state machine; see the header for what is copied and when.
#include "worker/codec/ws_frame_parser.hpp"

#include <cstring>

namespace shoal::codec {
namespace {

constexpr std::size_t kKeepMessageBytes = 16 * 1024;  // larger buffers go back after use

bool is_control(WsOpcode op) {
    return static_cast<unsigned>(op) & 0x8;
}

// Header size implied by its first two bytes.
std::size_t header_size(std::uint8_t b1) {
    const std::size_t len7 = b1 & 0x7F;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
}

}  // namespace

void WsFrameParser::MessageBuffer::reserve(std::uint32_t want) {
    auto bigger = std::make_unique<char[]>(want);
    if (size > 0) std::memcpy(bigger.get(), data.get(), size);
    data = std::move(bigger);
    capacity = want;
}

void WsFrameParser::release_memory() noexcept {
    if (!in_message_ && !(in_frame_ && !is_control(op_))) message_.release();
    if (control_len_ == 0) control_.reset();
}

// Reads a complete header from the spill or straight from the input. False: need more bytes.
bool WsFrameParser::take_header(const char*& p, std::size_t& n) {
    const std::uint8_t* h;
    if (spill_len_ == 0 && n >= 2 && n >= header_size(static_cast<std::uint8_t>(p[1]))) {
        h = reinterpret_cast<const std::uint8_t*>(p);
        const std::size_t size = header_size(h[1]);
        p += size, n -= size;
    } else {
        // A header cut by a read: keep at most 14 bytes until it is whole.
        if (spill_len_ < 2) {
            const std::size_t take = n < 2u - spill_len_ ? n : 2u - spill_len_;
            std::memcpy(spill_ + spill_len_, p, take);
            spill_len_ = static_cast<std::uint8_t>(spill_len_ + take);
            p += take, n -= take;
            if (spill_len_ < 2) return false;
        }
        const std::size_t size = header_size(spill_[1]);
        const std::size_t take = n < size - spill_len_ ? n : size - spill_len_;
        std::memcpy(spill_ + spill_len_, p, take);
        spill_len_ = static_cast<std::uint8_t>(spill_len_ + take);
        p += take, n -= take;
        if (spill_len_ < size) return false;
        h = spill_;
        spill_len_ = 0;
    }
    fin_ = h[0] & 0x80;
    op_ = static_cast<WsOpcode>(h[0] & 0x0F);
    masked_ = h[1] & 0x80;
    std::uint64_t len = h[1] & 0x7F;
    std::size_t at = 2;
    if (len == 126) {
        len = (std::uint64_t{h[2]} << 8) | h[3];
        at = 4;
    } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; ++i)
            len = (len << 8) | h[2 + i];
        at = 10;
    }
    if (masked_) std::memcpy(mask_, h + at, 4);
    frame_len_ = len;
    remaining_ = len;
    mask_phase_ = 0;
    control_len_ = 0;
    rsv_ = h[0] & 0x70;
    return true;
}

ProtocolError WsFrameParser::check_header() noexcept {
    // RSV1 means "compressed" only where permessage-deflate allows it: a data message's first
    // frame (RFC 7692 6.1); RSV2, RSV3 and every other RSV1 are errors.
    if ((rsv_ & 0x30) != 0) return ProtocolError::WsReservedBits;
    if (rsv_ != 0 && (!opt_.permessage_deflate || is_control(op_) ||
                      op_ == WsOpcode::Continuation || op_ > WsOpcode::Binary))
        return ProtocolError::WsReservedBits;
    switch (op_) {
        case WsOpcode::Continuation:
        case WsOpcode::Text:
        case WsOpcode::Binary:
        case WsOpcode::Close:
        case WsOpcode::Ping:
        case WsOpcode::Pong:
            break;
        default:
            return ProtocolError::WsBadOpcode;
    }
    if (opt_.require_mask && !masked_) return ProtocolError::WsUnmaskedFrame;
    if (frame_len_ >> 63) return ProtocolError::WsBadLength;
    if (is_control(op_)) {
        if (!fin_) return ProtocolError::WsFragmentedControl;
        if (frame_len_ > kMaxControlPayload) return ProtocolError::WsControlTooLong;
        return ProtocolError::None;
    }
    if (op_ == WsOpcode::Continuation) {
        if (!in_message_) return ProtocolError::WsUnexpectedContinuation;
    } else {
        if (in_message_) return ProtocolError::WsExpectedContinuation;
        in_message_ = true;
        message_op_ = op_;
        message_compressed_ = rsv_ != 0;
        message_len_ = 0;
        utf8_.reset();
    }
    if (frame_len_ > opt_.max_message_bytes - message_len_) return ProtocolError::WsMessageTooBig;
    message_len_ += static_cast<std::uint32_t>(frame_len_);
    return ProtocolError::None;
}

ProtocolError WsFrameParser::parse(char* data, std::size_t len, WsFrameSink& sink) {
    const char* p = data;
    std::size_t n = len;
    bool go_on = true;
    frame_began_ = false;
    while (go_on && !done_) {
        if (!in_frame_) {
            if (n == 0) break;
            if (spill_len_ == 0) frame_began_ = true;
            if (!take_header(p, n)) break;
            if (ProtocolError e = check_header(); e != ProtocolError::None) {
                done_ = true;
                return e;
            }
            in_frame_ = true;
        }
        const std::size_t avail = n < remaining_ ? n : static_cast<std::size_t>(remaining_);
        if (avail == 0 && remaining_ != 0) break;
        char* payload = data + (p - data);
        p += avail, n -= avail;
        if (ProtocolError e = on_payload(payload, avail, sink, go_on); e != ProtocolError::None) {
            done_ = true;
            return e;
        }
    }
    return ProtocolError::None;
}

// Handles avail payload bytes of the current frame (possibly 0 for an empty frame).
ProtocolError WsFrameParser::on_payload(char* p, std::size_t avail, WsFrameSink& sink,
                                        bool& go_on) {
    if (masked_)
        mask_phase_ = static_cast<std::uint8_t>(apply_ws_mask(p, avail, mask_, mask_phase_));
    remaining_ -= avail;
    const bool frame_done = remaining_ == 0;
    if (is_control(op_)) {
        if (frame_done && control_len_ == 0) return finish_control(p, avail, sink, go_on);
        if (!control_) control_ = std::make_unique<char[]>(kMaxControlPayload);
        std::memcpy(control_.get() + control_len_, p, avail);
        control_len_ = static_cast<std::uint8_t>(control_len_ + avail);
        if (frame_done) return finish_control(control_.get(), control_len_, sink, go_on);
        return ProtocolError::None;
    }
    const bool check_utf8 = message_op_ == WsOpcode::Text && !message_compressed_;
    if (check_utf8 && !utf8_.feed(p, avail)) return ProtocolError::WsInvalidUtf8;
    if (frame_done) in_frame_ = false;
    // Fast path: a whole unfragmented message inside this read is delivered in place.
    if (frame_done && fin_ && message_.size == 0 && avail == frame_len_) {
        in_message_ = false;
        if (check_utf8 && !utf8_.complete()) return ProtocolError::WsInvalidUtf8;
        go_on = sink.on_ws_message(message_op_, p, avail);
        return ProtocolError::None;
    }
    if (message_.capacity < message_len_) {
        // Grow geometrically: exact reserves per fragment would copy quadratically for a peer
        // that sends a message in thousands of tiny fragments.
        std::uint64_t want = std::uint64_t{message_.capacity} * 2;
        if (want < message_len_) want = message_len_;
        if (want > opt_.max_message_bytes) want = opt_.max_message_bytes;
        message_.reserve(static_cast<std::uint32_t>(want));
    }
    // message_len_ (<= capacity) counts every byte of the message's frames, these included.
    if (avail > 0) std::memcpy(message_.data.get() + message_.size, p, avail);
    message_.size += static_cast<std::uint32_t>(avail);
    if (!frame_done || !fin_) return ProtocolError::None;
    in_message_ = false;
    if (check_utf8 && !utf8_.complete()) return ProtocolError::WsInvalidUtf8;
    char none = 0;  // an empty fragmented message has no buffer; the sink still gets a pointer
    go_on =
        sink.on_ws_message(message_op_, message_.data ? message_.data.get() : &none, message_.size);
    message_.size = 0;
    if (message_.capacity > kKeepMessageBytes) message_.release();
    return ProtocolError::None;
}

ProtocolError WsFrameParser::finish_control(char* p, std::size_t len, WsFrameSink& sink,
                                            bool& go_on) {
    in_frame_ = false;
    control_len_ = 0;
    switch (op_) {
        case WsOpcode::Ping:
            go_on = sink.on_ws_ping({p, len});
            break;
        case WsOpcode::Pong:
            go_on = sink.on_ws_pong({p, len});
            break;
        default: {
            if (len == 1) return ProtocolError::WsBadClosePayload;
            std::uint16_t code = 1005;
            std::string_view reason;
            if (len >= 2) {
                code = static_cast<std::uint16_t>((static_cast<unsigned char>(p[0]) << 8) |
                                                  static_cast<unsigned char>(p[1]));
                if (!is_valid_close_code(code)) return ProtocolError::WsBadCloseCode;
                reason = {p + 2, len - 2};
                if (!common::is_valid_utf8(reason)) return ProtocolError::WsInvalidUtf8;
            }
            done_ = true;
            go_on = sink.on_ws_close(code, reason);
        }
    }
    return ProtocolError::None;
}

}  // namespace shoal::codec
