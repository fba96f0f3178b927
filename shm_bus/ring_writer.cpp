// SPDX-License-Identifier: MIT
// The write order C2 and the restart path C4 of shm_bus/layout.hpp. Nothing here waits for a
// reader: a record that would overwrite unread data overwrites it, and readers detect the lap.
#include "shm_bus/ring_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "common/assert.hpp"
#include "common/log.hpp"
#include "shm_bus/shared_access.hpp"

namespace shoal::bus {
using common::Errc;
using common::Error;
using common::Result;

namespace {
// Positions grow by at most a few GB/s: 2^62 is decades away, so a larger one is corruption.
constexpr std::uint64_t kMaxSanePosition = 1ull << 62;
// tail_intent moves in 16 KiB steps (at most 1/16 of the ring): one store, and one cache-line
// transfer to readers, per step instead of per record. Readers see a lap at most one step early.
constexpr std::uint64_t kIntentChunk = 16 * 1024;
}  // namespace

RingWriter::RingWriter(Segment& segment, std::uint32_t ring, std::uint64_t epoch) noexcept
    : header_(&segment.ring_header(ring)),
      data_(segment.ring_data(ring)),
      capacity_(segment.config().ring_bytes),
      mask_(segment.config().ring_bytes - 1),
      max_record_(segment.config().max_record_bytes),
      ring_(ring),
      epoch_(epoch),
      intent_chunk_(std::min(kIntentChunk, capacity_ / 16)) {}

void RingWriter::write_padding(std::uint64_t position, std::uint64_t bytes) noexcept {
    SHOAL_ASSERT(bytes >= kRecordAlign && bytes % kRecordAlign == 0);
    SHOAL_ASSERT((position & mask_) + bytes <= capacity_);
    const RecordHeader h{position,
                         next_seq_,
                         static_cast<std::uint32_t>(bytes - kRecordHeaderBytes),
                         kPaddingType,
                         static_cast<std::uint32_t>(epoch_),
                         0};
    std::memcpy(data_ + (position & mask_), &h, sizeof h);
}

void RingWriter::publish() noexcept {
    if (published_ == tail_) return;
    // release: a reader that loads `latest` may read the header it names.
    header_->latest.store(latest_, std::memory_order_release);
    // release: everything below tail is written before any reader can see it (C2 step 4).
    header_->tail.store(tail_, std::memory_order_release);
    published_ = tail_;
}

std::uint64_t RingWriter::sequence_after(std::uint64_t latest, std::uint64_t end) const noexcept {
    // The record at `latest` was completely written before latest was stored (commit, then
    // publish), so its header is intact if `latest` is sane at all.
    if (latest >= end || end - latest >= capacity_ || latest % kRecordAlign != 0) return 0;
    RecordHeader h;
    std::memcpy(&h, data_ + (latest & mask_), sizeof h);
    return h.position == latest && h.type >= 0 ? h.seq + 1 : 0;
}

Result<void> RingWriter::recover() {
    const std::uint64_t t = header_->tail.load(std::memory_order_acquire);
    const std::uint64_t i = header_->tail_intent.load(std::memory_order_acquire);
    const std::uint64_t l = header_->latest.load(std::memory_order_acquire);
    if (t > kMaxSanePosition || i > kMaxSanePosition)
        return Error{Errc::BusLayoutMismatch, 0,
                     "ring " + std::to_string(ring_) + ": positions overflowed (corrupted)"};
    tail_ = t;
    intent_ = i;
    latest_ = l;
    next_seq_ = 0;
    if (t % kRecordAlign != 0 || i % kRecordAlign != 0 || i < t || i - t > capacity_) {
        // Only corruption gets here. Restart one full ring past anything seen, so every reader
        // finds itself lapped and resyncs; tail_intent still only moves forward.
        const std::uint64_t p = align_up(std::max(t, i), kRecordAlign) + capacity_;
        SHOAL_WARN("bus ring %u: corrupted positions tail=%llu intent=%llu, restarting at %llu",
                   ring_, static_cast<unsigned long long>(t), static_cast<unsigned long long>(i),
                   static_cast<unsigned long long>(p));
        header_->tail_intent.store(p, std::memory_order_release);
        header_->latest.store(p, std::memory_order_release);
        header_->tail.store(p, std::memory_order_release);
        intent_ = tail_ = latest_ = p;
    } else {
        // Sequence numbers continue after the last record stored as `latest`, read before any
        // padding covers it. If that record is unpublished (the writer died between storing
        // latest and tail), it is about to become padding: latest must not name it any more.
        next_seq_ = sequence_after(l, std::max(t, i));
        if (l >= t && i > t) {
            latest_ = i;  // no record there: a resyncing reader goes to tail
            header_->latest.store(i, std::memory_order_release);
        }
        if (i > t) {
            // A writer died between claiming [t, i) and publishing it: that range may hold a
            // torn record. Pad it (two records if it crosses the end of the buffer).
            const std::uint64_t first = std::min(i - t, capacity_ - (t & mask_));
            write_padding(t, first);
            if (first < i - t) write_padding(t + first, i - t - first);
            header_->tail.store(i, std::memory_order_release);  // see publish()
            tail_ = i;
        }
    }
    published_ = tail_;
    header_->writer_epoch.store(epoch_, std::memory_order_relaxed);
    header_->writer_pid.store(static_cast<std::uint64_t>(::getpid()), std::memory_order_relaxed);
    recovered_ = true;
    return {};
}

std::byte* RingWriter::reserve(std::int32_t type, std::size_t length) noexcept {
    SHOAL_ASSERT(recovered_ && !claimed_ && type >= 0);
    if (length > max_record_) return nullptr;
    const std::uint64_t stride = record_stride(length);
    const std::uint64_t offset = tail_ & mask_;
    const std::uint64_t pad = offset + stride > capacity_ ? capacity_ - offset : 0;
    const std::uint64_t end = tail_ + pad + stride;
    if (end > intent_) {
        intent_ = align_up(end, intent_chunk_);
        header_->tail_intent.store(intent_, std::memory_order_release);
        // release fence: the intent is visible before any byte of the range it covers changes,
        // so a reader copying old bytes from there fails its re-check (C2 step 1, C3 step 5).
        detail::fence_release();
    }
    if (pad != 0) write_padding(tail_, pad);
    claim_start_ = tail_ + pad;
    claim_length_ = static_cast<std::uint32_t>(length);
    claim_type_ = type;
    claimed_ = true;
    return data_ + (claim_start_ & mask_) + kRecordHeaderBytes;
}

Result<std::span<std::byte>> RingWriter::claim(std::int32_t type, std::size_t length) noexcept {
    std::byte* p = reserve(type, length);
    if (p == nullptr)
        return Error{Errc::TooLarge, 0,
                     "bus record of " + std::to_string(length) + " bytes (max " +
                         std::to_string(max_record_) + ")"};
    return std::span<std::byte>(p, length);
}

void RingWriter::commit(std::size_t used, Publish when) noexcept {
    SHOAL_ASSERT(claimed_ && used <= claim_length_);
    const RecordHeader h{claim_start_,
                         next_seq_,
                         static_cast<std::uint32_t>(used),
                         claim_type_,
                         static_cast<std::uint32_t>(epoch_),
                         0};
    std::memcpy(data_ + (claim_start_ & mask_), &h, sizeof h);
    ++next_seq_;
    claimed_ = false;
    latest_ = claim_start_;
    // A shrunk record leaves tail_intent ahead of tail; the next claim starts at tail anyway.
    tail_ = claim_start_ + record_stride(used);
    if (when == Publish::Now) publish();
}

void RingWriter::abort() noexcept {
    SHOAL_ASSERT(claimed_);
    const std::uint64_t stride = record_stride(claim_length_);
    write_padding(claim_start_, stride);
    claimed_ = false;
    tail_ = claim_start_ + stride;
    publish();
}

bool RingWriter::try_write(std::int32_t type, std::span<const std::byte> payload,
                           Publish when) noexcept {
    std::byte* p = reserve(type, payload.size());
    if (p == nullptr) return false;
    if (!payload.empty()) std::memcpy(p, payload.data(), payload.size());
    commit(payload.size(), when);
    return true;
}

}  // namespace shoal::bus
