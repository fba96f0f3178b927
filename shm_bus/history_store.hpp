// SPDX-License-Identifier: MIT
// The host's channel history over one shared region (layout and rules H1-H6 in
// history_layout.hpp): HistoryWriter is the sequencer (the supervisor) and gives every event of a
// topic the next offset; HistoryReader (any worker) answers "what came after offset N" by walking
// the topic's chain backwards from its head, trusting nothing it reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "shm_bus/history_layout.hpp"

namespace shoal::bus {

struct HistoryConfig {
    std::uint64_t data_bytes = 64ull << 20;  // power of two, 64 KiB..4 GiB
    std::uint32_t index_entries = 1u << 16;  // power of two, 64..2^24: topics with a history
    std::uint32_t max_event_bytes = 64 * 1024;

    common::Result<void> validate() const;
    std::uint64_t region_bytes() const noexcept;
};

// The 64-bit key of a topic in the index (FNV-1a; never 0, which marks a free entry).
std::uint64_t history_key(std::string_view topic) noexcept;

struct HistoryEvent {
    std::uint64_t offset = 0;
    std::uint64_t time_ms = 0;
    std::string name;
    std::string data;
    std::string user_id;         // a client event's signed-in publisher, else empty
    std::uint8_t origin = 0xFF;  // a client event's protocol tag; 0xFF: server-side
};

// The answer to "everything of `topic` after offset `since`" (in the topic's current stream).
struct Recovery {
    std::uint64_t epoch = 0;  // the stream `latest` and `events` belong to
    // True when `events` holds every event after `since` up to `latest`, with no gap.
    bool complete = false;
    std::uint64_t latest = 0;  // the topic's newest offset; 0: nothing recorded in this epoch
    std::vector<HistoryEvent> events;  // oldest first, offsets consecutive
};

// One event to append. A single host leaves epoch and offset 0 (the region's epoch, the topic's
// next offset); a cluster passes what Redis numbered, or its outage epoch with offset 0.
struct HistoryAppend {
    std::string_view topic;
    std::string_view name;
    std::string_view data;
    std::uint64_t time_ms = 0;
    std::uint64_t epoch = 0;     // 0: the region's epoch
    std::uint64_t offset = 0;    // 0: the topic's next offset in `epoch`
    std::string_view user_id;    // a client event's signed-in publisher
    std::uint8_t origin = 0xFF;  // a client event's protocol tag; 0xFF: server-side
};

class HistoryWriter {
  public:
    // Initialises zero-filled `region` (config.region_bytes() bytes) and stores the magic last.
    HistoryWriter(std::span<std::byte> region, const HistoryConfig& config, std::uint64_t epoch);

    // Appends one event and returns its offset in the topic; 0 when refused (larger than
    // max_event_bytes, or the index has no room for a new topic). The event is visible to
    // readers when this returns.
    std::uint64_t append(std::string_view topic, std::string_view name, std::string_view data,
                         std::uint64_t now_ms) noexcept {
        return append(HistoryAppend{topic, name, data, now_ms, 0, 0, {}, 0xFF});
    }
    // The same for any epoch and a given offset. A given offset that is not after the topic's
    // last one in that epoch is refused (0): a stream never goes back. One that skips offsets,
    // or another epoch, starts a new chain (H5): a reader stops there and reports the gap.
    std::uint64_t append(const HistoryAppend& event) noexcept;

    std::uint64_t epoch() const noexcept { return header_->epoch.load(std::memory_order_relaxed); }
    std::uint64_t tail() const noexcept { return tail_; }

  private:
    TopicEntry* find_or_claim(std::uint64_t key) noexcept;

    HistoryHeader* header_;
    TopicEntry* index_;
    std::byte* data_;
    HistoryConfig config_;
    std::uint64_t tail_ = 0;
};

class HistoryReader {
  public:
    // Checks the magic, the version and every size against the region's own length.
    static common::Result<HistoryReader> attach(std::span<const std::byte> region);

    std::uint64_t epoch() const noexcept { return header_->epoch.load(std::memory_order_relaxed); }
    std::uint64_t events_appended() const noexcept;
    std::uint64_t topics_refused() const noexcept;

    // Fills `out` with the events of `topic`'s current stream (its newest record's epoch) after
    // `since`, newest first walked and returned
    // oldest first: at most `max_events` (the topic's window in events) and none older than
    // `min_time_ms` (its window in time). `out`'s storage is reused.
    void read_since(std::string_view topic, std::uint64_t since, std::uint32_t max_events,
                    std::uint64_t min_time_ms, Recovery& out) const;

  private:
    HistoryReader(const HistoryHeader* header, const TopicEntry* index, const std::byte* data,
                  std::uint32_t index_entries, std::uint64_t data_bytes, std::uint32_t max_event)
        : header_(header),
          index_(index),
          data_(data),
          index_entries_(index_entries),
          data_bytes_(data_bytes),
          max_event_bytes_(max_event) {}
    const TopicEntry* find(std::uint64_t key) const noexcept;
    // Copies and validates the record at `pos`; false when it is gone or not what it claims.
    bool copy_record(std::uint64_t pos, std::uint64_t tail, std::uint64_t key,
                     std::string_view topic, HistoryRecordHeader& h) const;

    const HistoryHeader* header_;
    const TopicEntry* index_;
    const std::byte* data_;
    std::uint32_t index_entries_;
    std::uint64_t data_bytes_;
    std::uint32_t max_event_bytes_;
    mutable std::vector<std::byte> scratch_;
};

}  // namespace shoal::bus
