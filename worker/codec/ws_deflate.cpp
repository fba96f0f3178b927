// SPDX-License-Identifier: MIT
// zlib streams for permessage-deflate; allocation goes through zalloc/zfree so that the bytes
// zlib holds are known exactly.
#include "worker/codec/ws_deflate.hpp"

#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace shoal::codec {
namespace {

constexpr unsigned char kTail[4] = {0x00, 0x00, 0xff, 0xff};

// zlib's free does not say how much it frees: each block carries its size in front.
struct alignas(16) BlockHead {
    std::size_t size;
};

void* counted_alloc(std::size_t& total, unsigned items, unsigned size) {
    const std::size_t n = std::size_t{items} * size;
    void* p = std::malloc(sizeof(BlockHead) + n);
    if (!p) return Z_NULL;
    static_cast<BlockHead*>(p)->size = n;
    total += n;
    return static_cast<BlockHead*>(p) + 1;
}

void counted_free(std::size_t& total, void* p) {
    if (!p) return;
    BlockHead* h = static_cast<BlockHead*>(p) - 1;
    total -= h->size;
    std::free(h);
}

}  // namespace

void* MessageDeflater::zalloc(void* self, unsigned items, unsigned size) {
    return counted_alloc(static_cast<MessageDeflater*>(self)->memory_, items, size);
}

void MessageDeflater::zfree(void* self, void* p) {
    counted_free(static_cast<MessageDeflater*>(self)->memory_, p);
}

MessageDeflater::MessageDeflater(int window_bits, int mem_level, bool no_context)
    : z_(new z_stream{}), no_context_(no_context) {
    z_->zalloc = zalloc;
    z_->zfree = zfree;
    z_->opaque = this;
    ok_ = deflateInit2(z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -window_bits, mem_level,
                       Z_DEFAULT_STRATEGY) == Z_OK;
}

MessageDeflater::~MessageDeflater() {
    if (ok_) deflateEnd(z_);
    delete z_;
}

std::size_t MessageDeflater::compress(std::string_view in, char* out) noexcept {
    if (!ok_) return 0;
    if (no_context_ && deflateReset(z_) != Z_OK) return 0;
    const std::size_t cap = bound(in.size());
    z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_->avail_in = static_cast<uInt>(in.size());
    z_->next_out = reinterpret_cast<Bytef*>(out);
    z_->avail_out = static_cast<uInt>(cap);
    // A sync flush ends on an empty stored block (00 00 ff ff) that RFC 7692 leaves off the wire.
    const int r = deflate(z_, Z_SYNC_FLUSH);
    const std::size_t n = cap - z_->avail_out;
    if ((r != Z_OK && r != Z_BUF_ERROR) || z_->avail_in != 0 || z_->avail_out == 0 || n < 4 ||
        std::memcmp(out + n - 4, kTail, 4) != 0) {
        // A stream with context is now out of step with its client: it is never used again.
        // One without context starts afresh with the next message.
        if (!no_context_) ok_ = false;
        return 0;
    }
    return n - 4;
}

void* MessageInflater::zalloc(void* self, unsigned items, unsigned size) {
    return counted_alloc(static_cast<MessageInflater*>(self)->memory_, items, size);
}

void MessageInflater::zfree(void* self, void* p) {
    counted_free(static_cast<MessageInflater*>(self)->memory_, p);
}

MessageInflater::MessageInflater() : z_(new z_stream{}) {
    z_->zalloc = zalloc;
    z_->zfree = zfree;
    z_->opaque = this;
    ok_ = inflateInit2(z_, -15) == Z_OK;
}

MessageInflater::~MessageInflater() {
    if (ok_) inflateEnd(z_);
    delete z_;
}

InflateStatus MessageInflater::inflate(std::string_view in, char* out, std::size_t limit,
                                       std::size_t& out_len) noexcept {
    out_len = 0;
    if (!ok_ || inflateReset(z_) != Z_OK) return InflateStatus::Corrupt;
    // One byte of room past the limit tells "exactly the limit" from "more than the limit".
    z_->next_out = reinterpret_cast<Bytef*>(out);
    z_->avail_out = static_cast<uInt>(limit + 1);
    for (int part = 0; part < 2; ++part) {
        const std::string_view src =
            part == 0 ? in : std::string_view(reinterpret_cast<const char*>(kTail), 4);
        z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src.data()));
        z_->avail_in = static_cast<uInt>(src.size());
        const int r = ::inflate(z_, Z_SYNC_FLUSH);
        out_len = limit + 1 - z_->avail_out;
        if (out_len > limit) return InflateStatus::TooBig;
        if (r == Z_STREAM_END) break;  // a final block: the tail, if any, is not needed
        if (r == Z_BUF_ERROR && z_->avail_in == 0) continue;  // no progress left to make
        if (r != Z_OK) return InflateStatus::Corrupt;
        if (z_->avail_in != 0) return InflateStatus::Corrupt;
    }
    return InflateStatus::Ok;
}

}  // namespace shoal::codec
