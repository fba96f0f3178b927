// SPDX-License-Identifier: MIT
// permessage-deflate for a worker's connections (docs/tls.md). Shared mode: a data frame is
// compressed once, without context, into its SharedFrame twin, and every subscriber that agreed
// to deflate gets a reference to that twin (uWS's shared compressor); no zlib state per
// connection. Dedicated mode: a connection's own stream keeps context, so each of its frames is
// compressed for it alone. Input: one inflater for the worker, since every client is asked for
// client_no_context_takeover.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/config.hpp"
#include "worker/codec/ws_deflate.hpp"
#include "worker/codec/ws_extensions.hpp"
#include "worker/net/shared_frame.hpp"

namespace shoal::net {

class FrameCompressor {
  public:
    FrameCompressor(const common::CompressionSettings& settings, std::uint32_t max_message_bytes);
    FrameCompressor(const FrameCompressor&) = delete;
    FrameCompressor& operator=(const FrameCompressor&) = delete;

    codec::DeflatePolicy policy() const noexcept;
    // What goes out to a client that compresses without context: the frame's twin (built on
    // the first call), or the frame itself when it is small, not a data frame, or did not
    // shrink.
    FrameRef shared(const FrameRef& frame);
    // What goes out to a client with its own compressor (context kept: once compressed, a frame
    // must go out compressed, or the client's window and ours part ways).
    FrameRef dedicated(const FrameRef& frame, codec::MessageDeflater& stream);
    // A compressor for one connection in dedicated mode; its memory is 2^(window_bits+3) bytes
    // plus zlib's few KiB of state (mem_level = window_bits - 7, as uWS's dedicated sizes).
    std::unique_ptr<codec::MessageDeflater> new_stream(std::uint8_t window_bits) const;

    // Inflates a client's message into the worker's buffer; `out` views it until the next call.
    codec::InflateStatus inflate(std::string_view in, std::string_view& out);

    std::uint64_t frames_compressed() const noexcept { return frames_compressed_; }

  private:
    bool worth_trying(const FrameRef& frame) const noexcept;
    char* scratch_for(std::size_t payload_bytes);

    common::CompressionSettings settings_;
    std::uint32_t max_message_bytes_;
    codec::MessageDeflater shared_stream_;
    std::unique_ptr<codec::MessageInflater> inflater_;  // on the first compressed message
    std::unique_ptr<char[]> inflated_;                  // max_message_bytes + 1
    std::string scratch_;  // compressed output; grows to the largest frame seen, then stays
    std::uint64_t frames_compressed_ = 0;
};

}  // namespace shoal::net
