// SPDX-License-Identifier: MIT
// The twin of a frame is built at most once (SharedFrame::Twin remembers a frame that did not
// shrink), so the cost of shared compression is one deflate per published frame per worker,
// whatever the number of subscribers.
#include "worker/net/frame_compressor.hpp"

namespace shoal::net {
namespace {

int mem_level_for(int window_bits) {
    return window_bits - 7 < 1 ? 1 : window_bits - 7;
}

}  // namespace

FrameCompressor::FrameCompressor(const common::CompressionSettings& settings,
                                 std::uint32_t max_message_bytes)
    : settings_(settings),
      max_message_bytes_(max_message_bytes),
      // The worker's one shared stream may use zlib's default hash size: it exists once.
      shared_stream_(static_cast<int>(settings.window_bits), 8, true) {}

codec::DeflatePolicy FrameCompressor::policy() const noexcept {
    return codec::DeflatePolicy{settings_.mode != common::Compression::Off,
                                settings_.mode == common::Compression::Shared,
                                static_cast<std::uint8_t>(settings_.window_bits)};
}

bool FrameCompressor::worth_trying(const FrameRef& frame) const noexcept {
    return frame->is_data_frame() && frame->payload().size() >= settings_.threshold_bytes;
}

char* FrameCompressor::scratch_for(std::size_t payload_bytes) {
    const std::size_t need = codec::MessageDeflater::bound(payload_bytes);
    if (scratch_.size() < need) scratch_.resize(need);
    return scratch_.data();
}

FrameRef FrameCompressor::shared(const FrameRef& frame) {
    switch (frame->twin_state()) {
        case SharedFrame::Twin::Built:
            return frame->twin();
        case SharedFrame::Twin::NotSmaller:
            return frame;
        case SharedFrame::Twin::Untried:
            break;
    }
    if (!worth_trying(frame)) return frame;
    const std::string_view payload = frame->payload();
    char* out = scratch_for(payload.size());
    const std::size_t n = shared_stream_.compress(payload, out);
    FrameRef twin;
    if (n != 0 && n < payload.size()) {
        const auto opcode = static_cast<std::uint8_t>(frame->wire()[0] & 0x0F);
        twin = SharedFrame::make_compressed(opcode, {out, n});
        ++frames_compressed_;
    }
    frame->set_twin(twin);
    return twin ? twin : frame;
}

FrameRef FrameCompressor::dedicated(const FrameRef& frame, codec::MessageDeflater& stream) {
    if (!worth_trying(frame) || !stream.ok()) return frame;
    const std::string_view payload = frame->payload();
    char* out = scratch_for(payload.size());
    const std::size_t n = stream.compress(payload, out);
    if (n == 0) return {};  // the stream broke: the caller closes the connection
    ++frames_compressed_;
    return SharedFrame::make_compressed(static_cast<std::uint8_t>(frame->wire()[0] & 0x0F),
                                        {out, n});
}

std::unique_ptr<codec::MessageDeflater> FrameCompressor::new_stream(
    std::uint8_t window_bits) const {
    return std::make_unique<codec::MessageDeflater>(window_bits, mem_level_for(window_bits), false);
}

codec::InflateStatus FrameCompressor::inflate(std::string_view in, std::string_view& out) {
    if (!inflater_) {
        inflater_ = std::make_unique<codec::MessageInflater>();
        inflated_ = std::make_unique<char[]>(std::size_t{max_message_bytes_} + 1);
    }
    std::size_t n = 0;
    const codec::InflateStatus s = inflater_->inflate(in, inflated_.get(), max_message_bytes_, n);
    out = {inflated_.get(), s == codec::InflateStatus::Ok ? n : 0};
    return s;
}

}  // namespace shoal::net
