// SPDX-License-Identifier: MIT
// permessage-deflate's compression (RFC 7692 section 7.2) over zlib's raw deflate: a message is
// compressed with a sync flush and sent without the trailing 00 00 ff ff; a received one gets the
// tail back before inflating. Pure: the caller owns every buffer, zlib's own memory is counted
// (memory_bytes) so a test can hold the cost per connection to what docs/tls.md states.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

struct z_stream_s;

namespace shoal::codec {

class MessageDeflater {
  public:
    // no_context: each message starts from an empty window (one compressed frame can then go
    // to any client). mem_level 1..9 (zlib's hash table: 2^(mem_level+9) bytes).
    MessageDeflater(int window_bits, int mem_level, bool no_context);
    ~MessageDeflater();
    MessageDeflater(const MessageDeflater&) = delete;
    MessageDeflater& operator=(const MessageDeflater&) = delete;

    bool ok() const noexcept { return ok_; }
    // Worst-case output for `n` input bytes; `out` given to compress() must hold that much.
    static std::size_t bound(std::size_t n) noexcept { return n + n / 8 + 64; }
    // Compresses one whole message into out (capacity >= bound(in.size())); returns the
    // compressed length without the 4-byte tail, 0 if zlib failed.
    std::size_t compress(std::string_view in, char* out) noexcept;
    std::size_t memory_bytes() const noexcept { return memory_; }

  private:
    static void* zalloc(void* self, unsigned items, unsigned size);
    static void zfree(void* self, void* p);
    z_stream_s* z_ = nullptr;
    std::size_t memory_ = 0;
    bool no_context_;
    bool ok_ = false;
};

enum class InflateStatus : std::uint8_t { Ok, TooBig, Corrupt };

// Inflates messages compressed without context (the server always asks the client for
// client_no_context_takeover), so one inflater serves every connection of a worker.
class MessageInflater {
  public:
    MessageInflater();
    ~MessageInflater();
    MessageInflater(const MessageInflater&) = delete;
    MessageInflater& operator=(const MessageInflater&) = delete;

    bool ok() const noexcept { return ok_; }
    // Inflates one message into out; more than `limit` bytes is TooBig (decided as soon as the
    // output passes the limit: a bomb costs at most limit + 1 bytes of work space).
    InflateStatus inflate(std::string_view in, char* out, std::size_t limit,
                          std::size_t& out_len) noexcept;
    std::size_t memory_bytes() const noexcept { return memory_; }

  private:
    static void* zalloc(void* self, unsigned items, unsigned size);
    static void zfree(void* self, void* p);
    z_stream_s* z_ = nullptr;
    std::size_t memory_ = 0;
    bool ok_ = false;
};

}  // namespace shoal::codec
