// SPDX-License-Identifier: MIT
// The reader order C3 of shm_bus/layout.hpp: load tail, check the lap, validate each header, copy
// out, fence, re-check tail_intent, and only then hand records on. Records are copied in batches,
// so the writer's position lines are read once per batch, not once per record.
#include "shm_bus/ring_reader.hpp"

#include <algorithm>
#include <atomic>
#include <new>

#include "shm_bus/shared_access.hpp"

namespace shoal::bus {

namespace {
constexpr std::size_t kScratchBytes = 256 * 1024;
}

void RingReader::FreeAligned::operator()(std::byte* p) const noexcept {
    ::operator delete[](p, std::align_val_t{kRecordAlign});
}

RingReader::RingReader(const Segment& segment, std::uint32_t ring)
    : header_(&segment.ring_header(ring)),
      data_(segment.ring_data(ring)),
      capacity_(segment.config().ring_bytes),
      mask_(segment.config().ring_bytes - 1),
      max_record_(segment.config().max_record_bytes),
      ring_(ring),
      scratch_bytes_(std::max<std::size_t>(kScratchBytes, align_up(max_record_, kRecordAlign))),
      scratch_(static_cast<std::byte*>(
          ::operator new[](scratch_bytes_, std::align_val_t{kRecordAlign}))),
      entries_(new Entry[kMaxBatch]) {
    start_at_tail();
}

void RingReader::start_at_tail() noexcept {
    start_at(header_->tail.load(std::memory_order_acquire));
}

void RingReader::start_at(std::uint64_t position) noexcept {
    cursor_ = position;
    seq_known_ = false;
    gap_pending_ = false;
    gap_bytes_ = 0;
}

bool RingReader::has_data() const noexcept {
    return header_->tail.load(std::memory_order_acquire) != cursor_;
}

void RingReader::resync() noexcept {
    // acquire: the header at `latest` was written before latest was stored.
    const std::uint64_t tail = header_->tail.load(std::memory_order_acquire);
    const std::uint64_t latest = header_->latest.load(std::memory_order_acquire);
    const std::uint64_t intent = header_->tail_intent.load(std::memory_order_acquire);
    std::uint64_t target = tail;
    // `latest` only if it is ahead of us, published, aligned, and not yet overwritten.
    if (latest > cursor_ && latest < tail && latest % kRecordAlign == 0 && intent >= latest &&
        intent - latest <= capacity_)
        target = latest;
    if (target > cursor_) gap_bytes_ += target - cursor_;
    gap_pending_ = true;
    cursor_ = target;
    ++resyncs_;
}

void RingReader::account(Entry& e) noexcept {
    e.lost_records = 0;
    e.lost_bytes = 0;
    if (gap_pending_) {
        // Each skipped record took >= 64 bytes, which bounds a sequence number gone wild.
        if (seq_known_ && e.seq > next_seq_)
            e.lost_records = std::min(e.seq - next_seq_, gap_bytes_ / kRecordAlign);
        e.lost_bytes = gap_bytes_;
        lost_records_ += e.lost_records;
        lost_bytes_ += e.lost_bytes;
        gap_pending_ = false;
        gap_bytes_ = 0;
    }
    next_seq_ = e.seq + 1;
    seq_known_ = true;
}

RingReader::Batch RingReader::fill(std::size_t max, Placement placement) noexcept {
    // acquire: every record below tail is completely written (C2 step 4).
    const std::uint64_t tail = header_->tail.load(std::memory_order_acquire);
    if (tail == cursor_) return {0, true};
    const std::uint64_t intent = header_->tail_intent.load(std::memory_order_acquire);
    if (tail < cursor_ || intent < tail || intent - cursor_ > capacity_) {
        resync();  // lapped (or positions that make no sense)
        return {0, false};
    }
    std::uint64_t pos = cursor_;
    std::size_t n = 0;
    std::size_t used = 0;
    bool corrupt = false;
    max = std::min(max, kMaxBatch);
    while (pos != tail && n < max) {
        const std::uint64_t offset = pos & mask_;
        if (tail - pos < kRecordAlign || pos % kRecordAlign != 0) {
            corrupt = true;
            break;
        }
        RecordHeader h;
        detail::copy_from_ring(&h, data_ + offset, sizeof h);
        // Never trust a number from shared memory (C3 step 3).
        if (h.position != pos || h.length > capacity_ - offset - kRecordHeaderBytes ||
            record_stride(h.length) > tail - pos ||
            (h.type != kPaddingType && (h.type < 0 || h.length > max_record_))) {
            corrupt = true;
            break;
        }
        if (h.type != kPaddingType) {
            // Placed records count against the batch too: what a discarded batch wasted stays
            // bounded by one scratch's worth.
            if (used + h.length > scratch_bytes_) break;  // batch full; the rest next round
            std::byte* at = placement.place && h.length > 0
                                ? placement.place(placement.sink, h.type, h.length)
                                : nullptr;
            if (at == nullptr) {
                at = scratch_.get() + used;
                scratch_copied_ += h.length;
            }
            detail::copy_from_ring(at, data_ + offset + kRecordHeaderBytes, h.length);
            entries_[n++] = Entry{at, h.length, h.type, h.seq, 0, 0};
            used = align_up(used + h.length, kRecordAlign);
        }
        pos += record_stride(h.length);
    }
    // acquire fence, then re-check: if the writer claimed past cursor + capacity meanwhile, some
    // bytes just copied may be newer than their header said; drop the whole batch (C3 step 5).
    detail::fence_acquire();
    const std::uint64_t intent_after = header_->tail_intent.load(std::memory_order_relaxed);
    if (intent_after < cursor_ || intent_after - cursor_ > capacity_) {
        resync();
        return {0, false};
    }
    for (std::size_t i = 0; i < n; ++i)
        account(entries_[i]);
    cursor_ = pos;
    if (corrupt) resync();  // below tail and not lapped, so truly corrupted bytes
    return {n, !corrupt && pos == tail};
}

}  // namespace shoal::bus
