// SPDX-License-Identifier: MIT
// The segment's fixed, versioned layout and the crash-safety rules of its rings (C1-C10). Only
// lock-free atomics and plain bytes live in shared memory: no pointers, no mutexes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "common/counters.hpp"
#include "shm_bus/bus_config.hpp"

// clang-format off
/*
 Segment (offsets from the start; every size recomputed from BusConfig on attach, C7):

   0      SegmentHeader   magic (stored last, release), layout_version, slots, ring_bytes, ...
   4096   SlotRecord[slots]          one per worker slot, 1280 bytes each (page aligned):
            +0    pid | state | epoch | started_ns | restarts | breaker   (supervisor)
            +64   heartbeat_ns | connections                            (slot's worker)
            +128  idle                                  (slot's worker; any writer CASes 1 -> 0)
            +192  read_position[kMaxRings]              (slot's worker: its cursor per ring)
            +768  counters: CounterBlock, 64 u64 cells  (slot's worker; never reset on restart)
   R0     Ring 0 | Ring 1 | ... | Ring `slots` (the supervisor's control ring)

 One ring (stride = align_up(kRingDataOffset + ring_bytes, 4096)):

   +0     RingHeader     tail_intent | tail | latest | writer_epoch | writer_pid  (one cache line,
                         written only by the ring's current writer)
   +160   data[ring_bytes]           starts at 32 mod 64, so each record payload is 64-aligned

 A record (never wraps; a padding record fills the end of the buffer instead):

   position p (absolute u64, a multiple of 64)    offset = p & (ring_bytes - 1)
   +-------------------------------------------+-------------------------------+----------+
   | RecordHeader: position | seq | length | type | epoch | pad (32 bytes)   | payload  | pad to 64|
   +-------------------------------------------+-------------------------------+----------+

   tail_intent >= tail >= latest. Records in [tail - ring_bytes, tail) are published; bytes in
   [tail, tail_intent) may be half written and are never read.

 C1  One writer per ring (slot k's current epoch, or the supervisor for the control ring). A
     reader keeps its cursor in private memory; the only shared word others write is a slot's
     `idle` flag, and only by CAS 1 -> 0.
 C2  Writer: tail_intent.store(end) + release fence; header and payload (plain stores);
     latest.store(start, release); tail.store(end, release).
 C3  Reader: load tail (acquire); lapped if tail_intent > cursor + ring_bytes; check the header
     (position == cursor, type known, length <= max, offset + 32 + length <= ring_bytes, record
     below tail); copy the payload out; acquire fence; re-check tail_intent; only then deliver.
     Any failure counts as a loss and resyncs to `latest` (or `tail`). Every poll has a budget.
 C4  A writer killed mid-record never moved tail. recover() fills [tail, tail_intent) with padding
     and publishes tail = tail_intent; tail_intent never moves backwards. A `latest` naming a
     record in that range (killed between the two stores of publish) is moved to the new tail.
 C5  The absolute position inside each header makes a stale record from an earlier lap identify
     itself, with no zeroing pass.
 C6  std::atomic<u32/u64> only, always lock-free, standard layout, offsets pinned below.
 C8  Wake-ups: a reader sets its slot's idle = 1 (seq_cst) and polls once more before sleeping;
     a writer, after tail.store, fences (seq_cst) and writes the eventfd only of readers whose
     idle flag it CASes from 1 to 0.
*/
// clang-format on

namespace shoal::bus {

inline constexpr std::uint64_t kSegmentMagic = 0x5355424C414F4853ull;  // "SHOALBUS"
inline constexpr std::uint32_t kLayoutVersion =
    2;  // 2: record_schema in the header, the counter block in each slot
inline constexpr std::uint64_t kPageBytes = 4096;
inline constexpr std::uint64_t kRecordAlign = 64;
inline constexpr std::int32_t kPaddingType = -1;  // user types are >= 0

enum class SlotState : std::uint32_t { Empty = 0, Starting, Running, Stopping, Down };
enum class BreakerState : std::uint32_t { Closed = 0, Open, HalfOpen };

struct SegmentHeader {
    std::atomic<std::uint64_t> magic;  // written by: creator, last, with release
    std::uint32_t layout_version;      // written by: creator, before magic
    std::uint32_t slots;
    std::uint64_t ring_bytes;
    std::uint32_t max_record_bytes;
    std::uint32_t slot_record_bytes;
    std::uint64_t slot_table_offset;
    std::uint64_t rings_offset;
    std::uint64_t ring_stride;
    std::uint64_t total_bytes;
    std::uint64_t creator_pid;
    std::uint64_t created_realtime_ns;
    std::uint32_t record_schema;  // BusConfig::record_schema of the creator
    std::uint32_t reserved;
};

// The supervisor's host-wide observations for the segment's readers (/metrics, `shoal status`),
// in the header page after SegmentHeader: zero in a fresh segment; older readers never look.
enum class ClusterLink : std::uint32_t { Off = 0, Down = 1, Up = 2 };

struct alignas(64) HostRecord {
    // written by: supervisor (relaxed; observations)
    std::atomic<ClusterLink> cluster_link;
    std::atomic<std::uint32_t> cluster_hosts;      // other hosts known now
    std::atomic<std::uint64_t> redis_connects;     // successful connects (the first + reconnects)
    std::atomic<std::uint64_t> redis_link_losses;  // an up link lost
    std::atomic<std::uint64_t> started_ns;         // CLOCK_MONOTONIC, the supervisor's start
};

inline constexpr std::uint64_t kHostRecordOffset = 1024;

// The supervisor's webhook sender (docs/webhooks.md), after HostRecord in the same page: zero in
// a fresh segment and while no webhook was ever queued; older readers never look.
struct alignas(64) WebhookRecord {
    // written by: supervisor (relaxed; observations)
    std::atomic<std::uint64_t> queue_batches;     // gauge: waiting, in flight or retrying
    std::atomic<std::uint64_t> queue_bytes;       // gauge
    std::atomic<std::uint64_t> requests_sent;     // answered 2xx
    std::atomic<std::uint64_t> events_sent;       // in those requests
    std::atomic<std::uint64_t> requests_failed;   // attempts answered otherwise or not at all
    std::atomic<std::uint64_t> requests_retried;  // attempts after a batch's first
    std::atomic<std::uint64_t> dropped_overflow;  // batches dropped for the queue's byte bound
    std::atomic<std::uint64_t> dropped_expired;   // batches dropped after retrying too long
    std::atomic<std::uint64_t> dropped_unrouted;  // batches whose app or URL a reload removed
    std::atomic<std::uint32_t> leader;            // 1: this host sends the cluster's state events
};

inline constexpr std::uint64_t kWebhookRecordOffset = kHostRecordOffset + 128;

struct alignas(64) SlotRecord {
    // written by: supervisor
    std::atomic<std::uint32_t> pid;
    std::atomic<SlotState> state;
    std::atomic<std::uint64_t> epoch;
    std::atomic<std::uint64_t> started_ns;  // CLOCK_MONOTONIC
    std::atomic<std::uint32_t> restarts;
    std::atomic<BreakerState> breaker;
    // written by: the slot's worker (relaxed; observations for `shoal status`)
    alignas(64) std::atomic<std::uint64_t> heartbeat_ns;  // CLOCK_MONOTONIC, once per loop tick
    std::atomic<std::uint64_t> connections;               // a gauge: open right now
    // written by: the slot's worker as reader (seq_cst store of 1); by any writer (CAS 1 -> 0)
    alignas(64) std::atomic<std::uint32_t> idle;
    // written by: the slot's worker; its cursor in each ring, for lag reporting
    alignas(64) std::atomic<std::uint64_t> read_position[kMaxRings];
    // written by: the slot's worker, one at a time (common/counters.hpp). Zero in a fresh
    // segment; nobody resets it when the slot's worker restarts, so the successor continues
    // the counts and host totals never go down.
    alignas(64) common::CounterBlock counters;
};

struct alignas(64) RingHeader {
    // written by: the ring's writer only
    std::atomic<std::uint64_t> tail_intent;
    std::atomic<std::uint64_t> tail;
    std::atomic<std::uint64_t> latest;
    std::atomic<std::uint64_t> writer_epoch;
    std::atomic<std::uint64_t> writer_pid;
};

struct RecordHeader {
    std::uint64_t position;  // absolute; equals the record's own position when valid (C5)
    std::uint64_t seq;       // per ring, counts user records; padding carries the next seq
    std::uint32_t length;    // payload bytes
    std::int32_t type;       // >= 0, or kPaddingType
    std::uint32_t epoch;     // the writer's epoch (low 32 bits), for diagnosis
    std::uint32_t reserved;
};

inline constexpr std::uint64_t kRecordHeaderBytes = sizeof(RecordHeader);
inline constexpr std::uint64_t kRingHeaderBytes = 128;
inline constexpr std::uint64_t kRingDataOffset =
    kRingHeaderBytes + kRecordAlign - kRecordHeaderBytes;

constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t a) noexcept {
    return (v + a - 1) & ~(a - 1);
}
constexpr std::uint64_t record_stride(std::uint64_t payload_bytes) noexcept {
    return align_up(kRecordHeaderBytes + payload_bytes, kRecordAlign);
}

// Offsets of every part, recomputed from a BusConfig (never read from shared memory).
struct SegmentLayout {
    std::uint64_t slot_table_offset;
    std::uint64_t rings_offset;
    std::uint64_t ring_stride;
    std::uint64_t total_bytes;
};

constexpr SegmentLayout layout_for(const BusConfig& c) noexcept {
    SegmentLayout l{};
    l.slot_table_offset = kPageBytes;
    l.rings_offset = align_up(l.slot_table_offset + sizeof(SlotRecord) * c.slots, kPageBytes);
    l.ring_stride = align_up(kRingDataOffset + c.ring_bytes, kPageBytes);
    l.total_bytes = l.rings_offset + l.ring_stride * c.ring_count();
    return l;
}

// C6: lock-free, address-free atomics in standard-layout structs whose offsets are pinned.
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<SlotState>::is_always_lock_free);
static_assert(std::atomic<BreakerState>::is_always_lock_free);
static_assert(std::is_standard_layout_v<SegmentHeader> && sizeof(SegmentHeader) == 88);
static_assert(offsetof(SegmentHeader, magic) == 0 && offsetof(SegmentHeader, layout_version) == 8);
static_assert(offsetof(SegmentHeader, slots) == 12 && offsetof(SegmentHeader, ring_bytes) == 16);
static_assert(offsetof(SegmentHeader, max_record_bytes) == 24);
static_assert(offsetof(SegmentHeader, slot_table_offset) == 32);
static_assert(offsetof(SegmentHeader, rings_offset) == 40);
static_assert(offsetof(SegmentHeader, ring_stride) == 48);
static_assert(offsetof(SegmentHeader, total_bytes) == 56);
static_assert(offsetof(SegmentHeader, created_realtime_ns) == 72);
static_assert(offsetof(SegmentHeader, record_schema) == 80);
static_assert(std::is_standard_layout_v<HostRecord> && sizeof(HostRecord) == 64);
static_assert(std::atomic<ClusterLink>::is_always_lock_free);
static_assert(std::is_standard_layout_v<WebhookRecord> && sizeof(WebhookRecord) == 128);
static_assert(kWebhookRecordOffset >= kHostRecordOffset + sizeof(HostRecord) &&
              kWebhookRecordOffset + sizeof(WebhookRecord) <= kPageBytes);
static_assert(kHostRecordOffset >= sizeof(SegmentHeader) &&
              kHostRecordOffset + sizeof(HostRecord) <= kPageBytes);
static_assert(std::is_standard_layout_v<SlotRecord> && sizeof(SlotRecord) == 1280);
static_assert(offsetof(SlotRecord, pid) == 0 && offsetof(SlotRecord, state) == 4);
static_assert(offsetof(SlotRecord, epoch) == 8 && offsetof(SlotRecord, started_ns) == 16);
static_assert(offsetof(SlotRecord, restarts) == 24 && offsetof(SlotRecord, breaker) == 28);
static_assert(offsetof(SlotRecord, heartbeat_ns) == 64 && offsetof(SlotRecord, connections) == 72);
static_assert(offsetof(SlotRecord, idle) == 128 && offsetof(SlotRecord, read_position) == 192);
static_assert(offsetof(SlotRecord, counters) == 768 && sizeof(common::CounterBlock) == 512);
static_assert(std::is_standard_layout_v<RingHeader> && sizeof(RingHeader) <= kRingHeaderBytes);
static_assert(offsetof(RingHeader, tail_intent) == 0 && offsetof(RingHeader, tail) == 8);
static_assert(offsetof(RingHeader, latest) == 16 && offsetof(RingHeader, writer_epoch) == 24);
static_assert(offsetof(RingHeader, writer_pid) == 32);
static_assert(std::is_trivially_copyable_v<RecordHeader> && sizeof(RecordHeader) == 32);
static_assert(offsetof(RecordHeader, position) == 0 && offsetof(RecordHeader, seq) == 8);
static_assert(offsetof(RecordHeader, length) == 16 && offsetof(RecordHeader, type) == 20);
static_assert(offsetof(RecordHeader, epoch) == 24);
static_assert(kRingDataOffset % kRecordAlign == kRecordAlign - kRecordHeaderBytes);

}  // namespace shoal::bus
