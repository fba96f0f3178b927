// SPDX-License-Identifier: MIT
// RingReader: one reader's private cursor over one ring. It trusts no number read from shared
// memory: it copies records out, then validates (C3), so a lap or garbage costs records, never a
// crash. The rules are drawn in shm_bus/layout.hpp.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "shm_bus/layout.hpp"
#include "shm_bus/segment.hpp"

namespace shoal::bus {

// What poll() calls. Any type with these two members works (no virtual call needed); the payload
// span is valid only during the call.
struct RingSink {
    virtual void on_record(std::int32_t type, std::span<const std::byte> payload) noexcept = 0;
    virtual void on_lost(std::uint64_t records, std::uint64_t bytes) noexcept = 0;

  protected:
    ~RingSink() = default;
};

// A sink may also have `std::byte* place_record(std::int32_t type, std::uint32_t length)`: memory
// of its own (length bytes, or null for the reader's scratch) that the reader copies the record
// into and then validates, so a record the sink keeps is copied once (copy-then-validate keeps
// that one copy mandatory). on_record then gets a span of that memory. When a lap discards a batch
// after its copy, the records placed for it never reach on_record: the sink frees them itself.
template <class Sink>
concept PlacingSink = requires(Sink& s, std::int32_t type, std::uint32_t length) {
    { s.place_record(type, length) } -> std::same_as<std::byte*>;
};

// A sink for an owner that reads many rings through one pair of member functions: it forwards
// each call with the ring's index (Owner::on_record(ring, type, payload),
// Owner::on_lost(ring, records), and Owner::place_record(ring, type, length) if it has one).
template <class Owner>
struct RingTagger {
    Owner* owner;
    std::uint32_t ring;
    void on_record(std::int32_t type, std::span<const std::byte> payload) noexcept {
        owner->on_record(ring, type, payload);
    }
    std::byte* place_record(std::int32_t type, std::uint32_t length) noexcept requires
        requires(Owner* o) {
        { o->place_record(ring, type, length) } -> std::same_as<std::byte*>;
    }
    { return owner->place_record(ring, type, length); }
    void on_lost(std::uint64_t records, std::uint64_t /*bytes*/) noexcept {
        owner->on_lost(ring, records);
    }
};

class RingReader {
  public:
    // Starts at the ring's current tail: a new reader sees only what is written after it came.
    RingReader(const Segment& segment, std::uint32_t ring);
    RingReader(RingReader&&) noexcept = default;
    RingReader& operator=(RingReader&&) noexcept = default;

    void start_at_tail() noexcept;
    // Starts at an absolute position (tests, replay); an invalid one costs a resync, no more.
    void start_at(std::uint64_t position) noexcept;

    // Delivers up to `budget` records in ring order. Before the first record after a gap, the
    // sink gets on_lost(records, bytes) for what was skipped (a lap or corrupted bytes). Returns
    // the number of records delivered; less than `budget` means the reader caught up.
    template <class Sink>
    std::size_t poll(Sink& sink, std::size_t budget) noexcept;

    // True if the writer has published past this reader's cursor.
    bool has_data() const noexcept;

    std::uint32_t ring() const noexcept { return ring_; }
    std::uint64_t position() const noexcept { return cursor_; }
    std::uint64_t lost_records() const noexcept { return lost_records_; }
    std::uint64_t lost_bytes() const noexcept { return lost_bytes_; }
    std::uint64_t resyncs() const noexcept { return resyncs_; }

    // Bytes copied into the reader's own scratch so far (records no sink placed).
    std::uint64_t scratch_bytes_copied() const noexcept { return scratch_copied_; }

  private:
    struct Placement {
        std::byte* (*place)(void* sink, std::int32_t type, std::uint32_t length) noexcept;
        void* sink;
    };
    struct Entry {
        const std::byte* at;  // in scratch_ or where the sink placed it
        std::uint32_t length;
        std::int32_t type;
        std::uint64_t seq;
        std::uint64_t lost_records;  // reported just before this record
        std::uint64_t lost_bytes;
    };
    struct Batch {
        std::size_t count;
        bool caught_up;
    };
    static constexpr std::size_t kMaxBatch = 256;

    // Copies up to `max` records at the cursor into scratch_ (or where placement says), validates
    // them and advances.
    Batch fill(std::size_t max, Placement placement) noexcept;
    void resync() noexcept;
    void account(Entry& e) noexcept;

    struct FreeAligned {
        void operator()(std::byte* p) const noexcept;
    };

    const RingHeader* header_;
    const std::byte* data_;
    std::uint64_t capacity_;
    std::uint64_t mask_;
    std::uint32_t max_record_;
    std::uint32_t ring_;
    std::uint64_t cursor_ = 0;
    std::uint64_t next_seq_ = 0;
    bool seq_known_ = false;
    bool gap_pending_ = false;
    std::uint64_t gap_bytes_ = 0;
    std::uint64_t lost_records_ = 0;
    std::uint64_t lost_bytes_ = 0;
    std::uint64_t resyncs_ = 0;
    std::uint64_t scratch_copied_ = 0;
    std::size_t scratch_bytes_;
    std::unique_ptr<std::byte[], FreeAligned> scratch_;  // 64-aligned, like record payloads
    std::unique_ptr<Entry[]> entries_;
};

template <class Sink>
std::size_t RingReader::poll(Sink& sink, std::size_t budget) noexcept {
    std::size_t delivered = 0;
    Placement placement{nullptr, &sink};
    if constexpr (PlacingSink<Sink>)
        placement.place = [](void* s, std::int32_t type, std::uint32_t length) noexcept {
            return static_cast<Sink*>(s)->place_record(type, length);
        };
    // Rounds are bounded too: a ring full of garbage resyncs at most `budget` times per poll.
    for (std::size_t round = 0; round < budget && delivered < budget; ++round) {
        const Batch batch = fill(budget - delivered, placement);
        for (std::size_t i = 0; i < batch.count; ++i) {
            const Entry& e = entries_[i];
            if (e.lost_records != 0 || e.lost_bytes != 0)
                sink.on_lost(e.lost_records, e.lost_bytes);
            sink.on_record(e.type, std::span<const std::byte>(e.at, e.length));
        }
        delivered += batch.count;
        if (batch.caught_up) break;
    }
    return delivered;
}

}  // namespace shoal::bus
