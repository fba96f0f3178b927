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
    // Added by the transport: bytes that are not a WebSocket frame (an HTTP response); payload()
    // is all of them.
    static FrameRef make_raw(std::string_view bytes);

    std::string_view wire() const noexcept { return {data_, size_}; }
    std::string_view payload() const noexcept {
        return {data_ + header_size_, size_ - header_size_};
    }

  private:
    friend class FrameRef;
    friend struct FrameFactory;  // defined in shared_frame.cpp
    SharedFrame() = default;

    std::uint32_t refs_ = 0;
    std::uint32_t header_size_ = 0;
    std::size_t size_ = 0;
    char* data_ = nullptr;  // points just past this object, in the same block
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
    SharedFrame* f_ = nullptr;
};

}  // namespace shoal::net
