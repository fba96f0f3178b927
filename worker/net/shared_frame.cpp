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
        f->header_size_ = static_cast<std::uint32_t>(header_size);
        return f;
    }
    static void destroy(SharedFrame* f) noexcept {
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

FrameRef SharedFrame::from_wire(std::string_view frame_bytes) {
    // The header size is recomputed from the bytes so payload() works for bus frames too.
    std::size_t h = 0;
    if (frame_bytes.size() >= 2) {
        const auto len7 = static_cast<unsigned char>(frame_bytes[1]) & 0x7F;
        h = len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
        if (static_cast<unsigned char>(frame_bytes[1]) & 0x80) h += 4;
        if (h > frame_bytes.size()) h = frame_bytes.size();
    }
    SharedFrame* f = FrameFactory::allocate(frame_bytes.size(), h);
    if (!frame_bytes.empty()) std::memcpy(f->data_, frame_bytes.data(), frame_bytes.size());
    return FrameRef(f);
}

FrameRef SharedFrame::make_raw(std::string_view bytes) {
    SharedFrame* f = FrameFactory::allocate(bytes.size(), 0);
    if (!bytes.empty()) std::memcpy(f->data_, bytes.data(), bytes.size());
    return FrameRef(f);
}

}  // namespace shoal::net
