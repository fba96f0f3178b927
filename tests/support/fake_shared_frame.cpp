// SPDX-License-Identifier: MIT
// A stand-in for SharedFrame's factory, for protocol tests that link before the transport's
// shared_frame.cpp exists. Every symbol is weak: where the real one is linked, it wins. Frames
// here are text payloads only (wire() == payload()), which is all the protocol tests read.
#include <cstdlib>
#include <cstring>
#include <new>

#include "worker/net/shared_frame.hpp"

namespace shoal::net {

struct FrameFactory {
    static SharedFrame* make(std::string_view payload) {
        void* block = std::malloc(sizeof(SharedFrame) + payload.size() + 1);
        if (!block) throw std::bad_alloc();
        auto* f = new (block) SharedFrame();
        f->data_ = static_cast<char*>(block) + sizeof(SharedFrame);
        if (!payload.empty()) std::memcpy(f->data_, payload.data(), payload.size());
        f->size_ = payload.size();
        f->header_size_ = 0;
        return f;
    }
    static void destroy(SharedFrame* f) noexcept {
        f->~SharedFrame();
        std::free(f);
    }
    static std::uint32_t& refs(SharedFrame* f) noexcept { return f->refs_; }
};

__attribute__((weak)) FrameRef SharedFrame::make_text(std::string_view payload) {
    return FrameRef(FrameFactory::make(payload));
}

__attribute__((weak)) void FrameRef::reset() noexcept {
    if (f_ && --FrameFactory::refs(f_) == 0) FrameFactory::destroy(f_);
    f_ = nullptr;
}

}  // namespace shoal::net
