// SPDX-License-Identifier: MIT
// RingWriter: the single writer of one ring (C1). Records become visible only through the
// release-store of tail (C2); recover() makes a ring left by a killed writer safe again (C4).
// The rules are drawn in shm_bus/layout.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/result.hpp"
#include "shm_bus/layout.hpp"
#include "shm_bus/segment.hpp"

namespace shoal::bus {

// Now: the record is visible when commit() returns. Later: it becomes visible with the next
// publish() (or any later commit with Now); a worker commits a loop iteration's records and
// publishes once, which spares readers a cache-line transfer per record.
enum class Publish { Now, Later };

class RingWriter {
  public:
    RingWriter(Segment& segment, std::uint32_t ring, std::uint64_t epoch) noexcept;
    RingWriter(const RingWriter&) = delete;
    RingWriter& operator=(const RingWriter&) = delete;

    // Call once before the first write: takes over the ring's positions, pads whatever a killed
    // predecessor left in [tail, tail_intent) and publishes it (C4). Errs only if the ring's
    // positions are beyond repair (overflowed), which no writer of this code produces.
    common::Result<void> recover();

    // Reserves a record of `length` payload bytes and returns where to write them. Nothing is
    // visible until commit(). A length over max_record_bytes is refused with Errc::TooLarge.
    // `type` must be >= 0 (negative types belong to the bus).
    common::Result<std::span<std::byte>> claim(std::int32_t type, std::size_t length) noexcept;
    // Completes the claimed record; `used` (<= the claimed length) may shrink it.
    void commit(Publish when = Publish::Now) noexcept { commit(claim_length_, when); }
    void commit(std::size_t used, Publish when = Publish::Now) noexcept;
    // Gives the claimed space back as padding; readers skip it. Publishes what is pending.
    void abort() noexcept;
    // Makes every committed record visible (release stores of latest, then tail). Free if idle.
    void publish() noexcept;
    bool has_unpublished() const noexcept { return tail_ != published_; }
    // Bytes committed (with Later) since the last publish.
    std::uint64_t unpublished_bytes() const noexcept { return tail_ - published_; }

    // claim + copy + commit. False (and nothing written) if the payload is over the maximum.
    bool try_write(std::int32_t type, std::span<const std::byte> payload,
                   Publish when = Publish::Now) noexcept;

    std::uint32_t ring() const noexcept { return ring_; }
    std::uint64_t epoch() const noexcept { return epoch_; }
    std::uint64_t tail() const noexcept { return tail_; }
    std::uint64_t records_written() const noexcept { return next_seq_; }  // by all epochs

  private:
    // Reserves the record (padding the end of the buffer if needed); null if over the maximum.
    std::byte* reserve(std::int32_t type, std::size_t length) noexcept;
    void write_padding(std::uint64_t position, std::uint64_t bytes) noexcept;
    // The sequence number after the record at `latest`, or 0 if that record is not readable.
    std::uint64_t sequence_after(std::uint64_t latest, std::uint64_t end) const noexcept;

    RingHeader* header_;
    std::byte* data_;
    std::uint64_t capacity_;
    std::uint64_t mask_;
    std::uint32_t max_record_;
    std::uint32_t ring_;
    std::uint64_t epoch_;
    std::uint64_t intent_chunk_;   // tail_intent advances in these steps, not per record
    std::uint64_t tail_ = 0;       // end of the committed records
    std::uint64_t published_ = 0;  // mirrors header_->tail
    std::uint64_t latest_ = 0;     // start of the last committed user record
    std::uint64_t intent_ = 0;     // mirrors header_->tail_intent; never decreases
    std::uint64_t next_seq_ = 0;
    std::uint64_t claim_start_ = 0;  // where the claimed record's header goes
    std::uint32_t claim_length_ = 0;
    std::int32_t claim_type_ = 0;
    bool claimed_ = false;
    bool recovered_ = false;
};

}  // namespace shoal::bus
