// SPDX-License-Identifier: MIT
// The host's channel history in shared memory: one region written by the supervisor only (the
// sequencer), read by every worker. The rules H1-H6 below are argued in docs/history.md.
//
//   0      HistoryHeader   magic (stored last, release) | version | sizes | epoch | writer
//                          positions (tail_intent, tail) | counters        written by: supervisor
//   128    TopicEntry[index_entries], 32 bytes each: key (0 = free), head (position + 1 of the
//          topic's newest record, 0 = none), last_offset, epoch of the topic's stream
//                                                                          written by: supervisor
//   D      data[data_bytes], a power of two; records are 64-byte aligned and never wrap (a
//          padding record fills the end of the buffer instead)
//
//   record at absolute position p:  HistoryRecordHeader (position p, prev, offset, time, key,
//          epoch, lengths, kind, origin) | topic | name | data | user id   padded to 64
//
// H1. One writer. Only the supervisor writes the region; workers copy out and validate. A
//     worker that dies or stalls cannot touch the history.
// H2. Visibility through tail. Write order: tail_intent.store(end) + release fence; header and
//     bytes; tail.store(end, release); then the topic's head (release). A reader reaches a record
//     only through a head it loaded (acquire) or a prev link inside a record it validated, and
//     both point below tail.
// H3. Copy, then validate. A reader copies a record out, issues an acquire fence, then checks
//     tail_intent - p <= data_bytes (not overwritten since), the header's own position == p,
//     every length against the buffer and its limits, its key and topic against the request, and
//     its offset == the one the chain expects. Anything else ends the walk as "incomplete".
// H4. A prev link points strictly backwards (prev < p), and every walk is bounded by the limit
//     the caller gives, so no corrupted link can make a reader loop.
// H5. Offsets per topic start at 1 and grow by 1 within one epoch. Every record names its epoch,
//     and a chain never links records of two epochs: a topic's stream is its head record's epoch
//     and the records behind it with that epoch. One host numbers under the region's epoch,
//     random per creation of the region, so a restarted host (a new region) can never be
//     mistaken for the stream a client remembers. In a cluster the epochs and offsets come from
//     Redis (per channel), and a host cut off from Redis numbers under a random epoch of its own
//     per outage (docs/history.md, "Cluster").
// H6. Only lock-free std::atomic<uint64_t> fields are shared; no mutex, no pointer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace shoal::bus {

inline constexpr std::uint64_t kHistoryMagic = 0x53484F414C484953ull;  // "SHOALHIS"
inline constexpr std::uint32_t kHistoryVersion = 3;
inline constexpr std::uint64_t kHistoryAlign = 64;

struct HistoryHeader {
    std::atomic<std::uint64_t> magic;  // written by: creator, last
    std::uint32_t version;             // written by: creator
    std::uint32_t index_entries;       // written by: creator, a power of two
    std::uint64_t data_bytes;          // written by: creator, a power of two
    std::atomic<std::uint64_t> epoch;  // written by: creator, random; the default stream's
    std::uint32_t max_event_bytes;     // written by: creator
    std::uint32_t reserved[7];
    // The writer's line, apart from the creator's so readers' loads of sizes share nothing.
    std::atomic<std::uint64_t> tail_intent;    // written by: supervisor
    std::atomic<std::uint64_t> tail;           // written by: supervisor
    std::atomic<std::uint64_t> events;         // written by: supervisor (appended, total)
    std::atomic<std::uint64_t> index_refused;  // written by: supervisor (index full)
    std::uint64_t reserved2[4];
};
static_assert(sizeof(HistoryHeader) == 128);
static_assert(offsetof(HistoryHeader, tail_intent) == 64);
static_assert(std::is_standard_layout_v<HistoryHeader>);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

struct TopicEntry {
    std::atomic<std::uint64_t> key;          // written by: supervisor, once (0: free)
    std::atomic<std::uint64_t> head;         // written by: supervisor (position + 1; 0: none)
    std::atomic<std::uint64_t> last_offset;  // written by: supervisor (read by it alone)
    std::atomic<std::uint64_t> epoch;        // written by: supervisor (read by it alone)
};
static_assert(sizeof(TopicEntry) == 32);

enum class HistoryKind : std::uint8_t { Event = 1, Padding = 2 };

struct HistoryRecordHeader {
    std::uint64_t position;  // absolute; a stale record names another position (H3)
    std::uint64_t prev;      // the topic's previous record's position + 1; 0: none
    std::uint64_t offset;    // the event's position in its topic (H5)
    std::uint64_t time_ms;   // CLOCK_MONOTONIC, the same clock in every process of the host
    std::uint64_t key;       // hash of the topic
    std::uint64_t epoch;     // the stream the offset belongs to (H5)
    std::uint32_t length;    // header + topic + name + data + user id, before padding
    std::uint8_t kind;       // HistoryKind
    std::uint8_t origin;     // a client event's protocol tag; 0xFF: a server-side event
    std::uint16_t topic_len;
    std::uint16_t name_len;
    std::uint16_t user_len;  // a client event's signed-in publisher
    std::uint32_t data_len;
};
static_assert(sizeof(HistoryRecordHeader) == 64);

constexpr std::uint64_t history_align(std::uint64_t n) noexcept {
    return (n + kHistoryAlign - 1) & ~(kHistoryAlign - 1);
}

}  // namespace shoal::bus
