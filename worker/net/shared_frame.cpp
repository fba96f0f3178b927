// SPDX-License-Identifier: MIT
// SharedFrame storage: the object and its bytes in one block, freed when the last FrameRef goes.
#include "worker/net/shared_frame.hpp"

#include <cstring>
#include <new>

#include "worker/codec/ws_frame_encoder.hpp"

namespace shoal::net {

struct FrameFactory {
    static SharedFrame* allocate(std::size_t size, std::size_t header_size) {
        void* block = ::operator new(sizeof(SharedFrame) + size);
        auto* f = new (block) SharedFrame();
        f->data_ = reinterpret_cast<char*>(f + 1);
        f->size_ = size;
        f->header_size_ = static_cast<std::uint16_t>(header_size);
        return f;
    }
    static void destroy(SharedFrame* f) noexcept {
        if (f->twin_ && --f->twin_->refs_ == 0) destroy(f->twin_);
        f->~SharedFrame();
        ::operator delete(static_cast<void*>(f));
    }
    static FrameRef encode(codec::WsOpcode op, std::string_view payload) {
        const std::size_t h = codec::ws_header_size(payload.size());
        SharedFrame* f = allocate(h + payload.size(), h);
        codec::encode_ws_frame(f->data_, op, payload);
        return FrameRef(f);
    }
};

void FrameRef::reset() noexcept {
    if (f_ && --f_->refs_ == 0) FrameFactory::destroy(f_);
    f_ = nullptr;
}

FrameRef SharedFrame::make_text(std::string_view payload) {
    return FrameFactory::encode(codec::WsOpcode::Text, payload);
}

FrameRef SharedFrame::make_binary(std::string_view payload) {
    return FrameFactory::encode(codec::WsOpcode::Binary, payload);
}

FrameRef SharedFrame::make_close(std::uint16_t code, std::string_view reason) {
    char payload[codec::kMaxControlPayload];
    const std::size_t n = codec::encode_close_payload(payload, code, reason);
    return FrameFactory::encode(codec::WsOpcode::Close, {payload, n});
}

FrameRef SharedFrame::make_pong(std::string_view payload) {
    return FrameFactory::encode(codec::WsOpcode::Pong,
                                payload.substr(0, codec::kMaxControlPayload));
}

FrameRef SharedFrame::make_ping(std::string_view payload) {
    return FrameFactory::encode(codec::WsOpcode::Ping,
                                payload.substr(0, codec::kMaxControlPayload));
}

namespace {

// The header size of `bytes` when they are exactly one unmasked, unfragmented WebSocket data or
// control frame (what a WebSocket protocol's encoder makes); 0 otherwise, so the bytes of a
// transport that is not WebSocket (an HTTP chunk, an SSE event) are all payload.
std::size_t ws_header_size(std::string_view bytes) noexcept {
    if (bytes.size() < 2) return 0;
    const auto b0 = static_cast<unsigned char>(bytes[0]);
    const auto b1 = static_cast<unsigned char>(bytes[1]);
    const unsigned op = b0 & 0x0F;
    if ((b0 & 0xF0) != 0x80 || (op != 0x1 && op != 0x2 && op < 0x8) || op > 0xA || (b1 & 0x80))
        return 0;
    const unsigned len7 = b1 & 0x7F;
    const std::size_t h = len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
    if (bytes.size() < h) return 0;
    std::uint64_t len = len7;
    if (len7 >= 126) {
        len = 0;
        for (std::size_t i = 2; i < h; ++i)
            len = (len << 8) | static_cast<unsigned char>(bytes[i]);
    }
    return bytes.size() - h == len ? h : 0;
}

}  // namespace

FrameRef SharedFrame::from_wire(std::string_view frame_bytes) {
    // The header size is recomputed from the bytes so payload() works for bus frames too.
    const std::size_t h = ws_header_size(frame_bytes);
    SharedFrame* f = FrameFactory::allocate(frame_bytes.size(), h);
    if (!frame_bytes.empty()) std::memcpy(f->data_, frame_bytes.data(), frame_bytes.size());
    return FrameRef(f);
}

FrameRef SharedFrame::make_block(std::size_t size, std::byte*& bytes) {
    SharedFrame* f = FrameFactory::allocate(size, 0);
    bytes = reinterpret_cast<std::byte*>(f->data_);
    return FrameRef(f);
}

FrameRef SharedFrame::narrow(FrameRef block, std::string_view frame_bytes) {
    SharedFrame* f = block.f_;
    const bool inside = f && frame_bytes.data() >= f->data_ &&
                        frame_bytes.data() + frame_bytes.size() <= f->data_ + f->size_;
    if (!inside || f->refs_ != 1) return from_wire(frame_bytes);
    // Sole owner: retarget the view; destroy() frees the block whatever data_ points at.
    f->data_ = const_cast<char*>(frame_bytes.data());
    f->size_ = frame_bytes.size();
    f->header_size_ = static_cast<std::uint16_t>(ws_header_size(frame_bytes));
    return block;
}

FrameRef SharedFrame::make_raw(std::string_view bytes) {
    SharedFrame* f = FrameFactory::allocate(bytes.size(), 0);
    if (!bytes.empty()) std::memcpy(f->data_, bytes.data(), bytes.size());
    return FrameRef(f);
}

FrameRef SharedFrame::make_compressed(std::uint8_t opcode, std::string_view deflated) {
    const std::size_t h = codec::ws_header_size(deflated.size());
    SharedFrame* f = FrameFactory::allocate(h + deflated.size(), h);
    codec::encode_ws_frame(f->data_, static_cast<codec::WsOpcode>(opcode), deflated);
    f->data_[0] = static_cast<char>(static_cast<unsigned char>(f->data_[0]) | 0x40);  // RSV1
    return FrameRef(f);
}

}  // namespace shoal::net
