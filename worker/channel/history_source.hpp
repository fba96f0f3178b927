// SPDX-License-Identifier: MIT
// The channel core's read access to the host's channel history (docs/history.md), implemented by
// worker/bus_bridge over the supervisor's shared region; the core knows no shared memory. Also
// the protocol-neutral words of recovery: where a client says it stopped, and what it is told.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::channel {

struct StoredEvent {
    std::uint64_t offset = 0;
    std::uint64_t time_ms = 0;
    std::string name;
    std::string data;
    std::string user_id;         // a client event's signed-in publisher, else empty
    std::uint8_t origin = 0xFF;  // a client event's protocol tag; 0xFF: server-side
};

// Everything of a topic after some offset, as the history store answers it.
struct HistoryRead {
    std::uint64_t epoch = 0;          // the topic's current stream, which `latest` belongs to
    bool complete = false;            // every event after `since` up to `latest`, with no gap
    std::uint64_t latest = 0;         // the topic's newest offset; 0: none in this epoch
    std::vector<StoredEvent> events;  // oldest first, offsets consecutive
};

class HistorySource {
  public:
    // The host's own epoch: random per life of the host's history (a new one after a host
    // restart), the stream of every topic a single host numbers. In a cluster a topic's stream
    // has the epoch Redis gave it (HistoryRead::epoch).
    virtual std::uint64_t epoch() const noexcept = 0;
    // At most max_events events of topic's current stream after `since`, none older than
    // min_time_ms.
    virtual void read_since(std::string_view topic, std::uint64_t since, std::uint32_t max_events,
                            std::uint64_t min_time_ms, HistoryRead& out) const = 0;

  protected:
    ~HistorySource() = default;
};

// A channel's history window (the app's `history` settings).
struct HistoryWindow {
    std::uint32_t events = 0;
    std::uint32_t seconds = 0;
};

// Where a client says it stopped: the last position it received.
struct RecoverFrom {
    bool asked = false;
    std::uint64_t offset = 0;
    std::uint64_t epoch = 0;
};

// An epoch as clients see it: 16 lowercase hex digits (a JSON string: no client loses bits).
struct EpochText {
    char text[16];
    std::string_view view() const noexcept { return {text, sizeof text}; }
};
EpochText epoch_text(std::uint64_t epoch) noexcept;

// What a subscription to a history channel starts from: live delivery carries every event after
// `position` of the stream `epoch`; `recovered` says the missed events sent before them were
// complete (always true when nothing was asked).
struct StreamStart {
    std::uint64_t position = 0;
    bool recovered = true;
    EpochText epoch{};
};

// Parses what epoch_text wrote; false for anything else.
bool parse_epoch(std::string_view text, std::uint64_t& out) noexcept;

}  // namespace shoal::channel
