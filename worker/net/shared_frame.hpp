// SPDX-License-Identifier: MIT
// SharedFrame: one immutable, already-encoded WebSocket frame (header + payload), reference
// counted and shared by every send queue it is on: a broadcast is encoded once, never copied per
// subscriber. The count is not atomic: a frame lives on one worker's loop thread only (another
// worker gets the bytes through the bus and builds its own frame).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace shoal::net {

class FrameRef;

class SharedFrame {
  public:
    // Encodes a server-to-client (unmasked) frame in one allocation (or a pooled block).
    static FrameRef make_text(std::string_view payload);
    static FrameRef make_binary(std::string_view payload);
    static FrameRef make_close(std::uint16_t code, std::string_view reason);
    static FrameRef make_pong(std::string_view payload);
    static FrameRef make_ping(std::string_view payload);
    // Copies bytes that are already a complete encoded frame (as received from the bus): a
    // WebSocket frame, or any other transport's bytes (then payload() is all of them).
    static FrameRef from_wire(std::string_view frame_bytes);
    // A block of `size` bytes for the caller to fill (the bus copies a record straight into it),
    // then narrow() to the frame inside: a received frame costs one copy, not two.
    static FrameRef make_block(std::size_t size, std::byte*& bytes);
    // The frame `frame_bytes` (inside block's bytes) in block's own storage, without a copy when
    // block has no other reference yet; otherwise a copy (from_wire). The block's other bytes
    // stay allocated as long as the frame lives.
    static FrameRef narrow(FrameRef block, std::string_view frame_bytes);
    // Added by the transport: bytes that are not a WebSocket frame (an HTTP response); payload()
    // is all of them.
    static FrameRef make_raw(std::string_view bytes);
    // A text or binary frame with RSV1 set (permessage-deflate) around an already-compressed
    // payload; `opcode` is the original frame's (1 or 2).
    static FrameRef make_compressed(std::uint8_t opcode, std::string_view deflated);

    std::string_view wire() const noexcept { return {data_, size_}; }
    std::string_view payload() const noexcept {
        return {data_ + header_size_, size_ - header_size_};
    }
    // An unfragmented text or binary WebSocket frame: the only kind permessage-deflate changes.
    bool is_data_frame() const noexcept {
        if (header_size_ == 0) return false;
        const auto b0 = static_cast<unsigned char>(data_[0]);
        return b0 == 0x81 || b0 == 0x82;
    }

    // The compressed twin of a data frame (permessage-deflate without context takeover): built
    // once, by the first connection that wants it, and shared by every later one; it dies with
    // this frame. frame_compressor.hpp decides and builds it.
    enum class Twin : std::uint8_t { Untried, Built, NotSmaller };
    Twin twin_state() const noexcept { return twin_state_; }
    FrameRef twin() const noexcept;
    // An empty ref records that compressing did not pay (the frame then goes out as it is).
    void set_twin(FrameRef twin) const noexcept;

  private:
    friend class FrameRef;
    friend struct FrameFactory;  // defined in shared_frame.cpp
    SharedFrame() = default;

    std::uint32_t refs_ = 0;
    std::uint16_t header_size_ = 0;
    mutable Twin twin_state_ = Twin::Untried;
    std::size_t size_ = 0;
    char* data_ = nullptr;                 // points just past this object, in the same block
    mutable SharedFrame* twin_ = nullptr;  // one reference held, when Built
};

// Intrusive reference; copying costs one increment, moving costs nothing.
class FrameRef {
  public:
    FrameRef() noexcept = default;
    explicit FrameRef(SharedFrame* f) noexcept : f_(f) {
        if (f_) ++f_->refs_;
    }
    FrameRef(const FrameRef& o) noexcept : FrameRef(o.f_) {}
    FrameRef(FrameRef&& o) noexcept : f_(std::exchange(o.f_, nullptr)) {}
    FrameRef& operator=(FrameRef o) noexcept {
        std::swap(f_, o.f_);
        return *this;
    }
    ~FrameRef() { reset(); }

    void reset() noexcept;
    explicit operator bool() const noexcept { return f_ != nullptr; }
    const SharedFrame* operator->() const noexcept { return f_; }
    const SharedFrame& operator*() const noexcept { return *f_; }
    std::uint32_t use_count() const noexcept { return f_ ? f_->refs_ : 0; }

  private:
    friend class SharedFrame;
    SharedFrame* f_ = nullptr;
};

inline FrameRef SharedFrame::twin() const noexcept {
    return FrameRef(twin_);
}

inline void SharedFrame::set_twin(FrameRef twin) const noexcept {
    if (twin_state_ != Twin::Untried) return;
    twin_state_ = twin ? Twin::Built : Twin::NotSmaller;
    if (twin) {
        twin_ = twin.f_;
        ++twin_->refs_;  // released with this frame (FrameFactory::destroy)
    }
}

}  // namespace shoal::net
