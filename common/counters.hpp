// SPDX-License-Identifier: MIT
// The worker counter catalogue and CounterBlock, the fixed block of counter cells each bus slot
// embeds (shm_bus/layout.hpp), so nothing a worker counted dies with it. Names are snake_case and
// Prometheus-friendly; a catalogue entry is appended, never reordered (the index is the cell).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace shoal::common {

// Monotonic counters, except SendQueuePeakBytes (a high-water mark, only ever raised). Both kinds
// never go down while the segment lives: a restarted worker continues its slot's cells.
enum class Counter : std::uint16_t {
    // net::Server
    ConnectionsAccepted = 0,
    ConnectionsRefused,  // over capacity or shutting down: answered 503
    AcceptErrors,        // accept() failed (out of descriptors)
    WebsocketsOpened,
    ProtocolErrors,  // closes and HTTP errors caused by the peer
    SlowConsumerCloses,
    IdleCloses,
    SendQueuePeakBytes,  // largest single send queue seen
    SocketBytesIn,       // per read callback
    SocketBytesOut,      // per write call
    WebsocketMessagesIn,
    HttpResponses2xx,
    HttpResponses4xx,
    HttpResponses5xx,
    // channel hub and sessions
    ClientMessagesPublished,  // Pusher client events and Phoenix pushes admitted
    LocalDeliveries,          // frames queued to this worker's subscribers
    // worker::HubBridge (bus records)
    BusRecordsOut,
    BusRecordsIn,
    BusRecordsRefused,  // over the ring's maximum record size
    BusRecordsBad,      // undecodable payloads (counted, skipped)
    BusRecordsLost,     // lost to laps (each costs a snapshot)
    // Pusher HTTP API
    HttpAuthFailures,  // requests refused 401 (unsigned, badly signed, stale)
    // observability (docs/observability.md)
    ApiEventsPublished,        // events published through the HTTP API (one per channel)
    ClientEventsRateLimited,   // client events / pushes refused over the per-connection rate
    BusLaps,                   // times this worker was lapped on a ring (each costs a resync)
    PusherConnectionsOpened,   // Pusher WebSocket sessions opened / closed: current = the
    PusherConnectionsClosed,   // difference, total = opened
    PhoenixConnectionsOpened,  // the same for Phoenix sockets
    PhoenixConnectionsClosed,
    kCount
};

inline constexpr std::size_t kCounterCount = static_cast<std::size_t>(Counter::kCount);
// Cells in a block: room to grow without another layout version.
inline constexpr std::size_t kCounterCapacity = 64;
static_assert(kCounterCount <= kCounterCapacity);

// Indexed by Counter; counters_test checks each is unique and snake_case.
inline constexpr std::array<std::string_view, kCounterCount> kCounterNames = {
    "connections_accepted_total",
    "connections_refused_total",
    "accept_errors_total",
    "websockets_opened_total",
    "protocol_errors_total",
    "slow_consumer_closes_total",
    "idle_closes_total",
    "send_queue_peak_bytes",
    "socket_bytes_in_total",
    "socket_bytes_out_total",
    "websocket_messages_in_total",
    "http_responses_2xx_total",
    "http_responses_4xx_total",
    "http_responses_5xx_total",
    "client_messages_published_total",
    "local_deliveries_total",
    "bus_records_out_total",
    "bus_records_in_total",
    "bus_records_refused_total",
    "bus_records_bad_total",
    "bus_records_lost_total",
    "http_auth_failures_total",
    "api_events_published_total",
    "client_events_rate_limited_total",
    "bus_laps_total",
    "pusher_connections_opened_total",
    "pusher_connections_closed_total",
    "phoenix_connections_opened_total",
    "phoenix_connections_closed_total",
};

constexpr std::string_view name(Counter c) noexcept {
    const auto i = static_cast<std::size_t>(c);
    return i < kCounterCount ? kCounterNames[i] : std::string_view{"unknown"};
}

// Host totals sum the cells, except a high-water mark, whose total is the largest.
constexpr bool is_high_water(Counter c) noexcept {
    return c == Counter::SendQueuePeakBytes;
}

// One block per bus slot (or a private one for a worker without a bus, and for tests). It lives
// in shared memory: standard layout, lock-free cells, zero-filled means all zero.
struct CounterBlock {
    std::atomic<std::uint64_t> cells[kCounterCapacity];

    // Single writer per block (the slot's current worker; a restarted worker only after its
    // predecessor exited), so an increment is a relaxed load plus a relaxed store: no locked
    // read-modify-write on the hot path. Readers (`shoal status`, the supervisor) only load;
    // relaxed is enough for a counter read at any moment. A worker killed between the two
    // loses at most that one increment, and a cell never goes down.
    void add(Counter c, std::uint64_t n = 1) noexcept {
        auto& cell = cells[static_cast<std::size_t>(c)];
        cell.store(cell.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    // High-water marks: raised, never lowered.
    void raise(Counter c, std::uint64_t v) noexcept {
        auto& cell = cells[static_cast<std::size_t>(c)];
        if (v > cell.load(std::memory_order_relaxed)) cell.store(v, std::memory_order_relaxed);
    }
    std::uint64_t get(Counter c) const noexcept {
        return cells[static_cast<std::size_t>(c)].load(std::memory_order_relaxed);
    }
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::is_standard_layout_v<CounterBlock>);
static_assert(sizeof(CounterBlock) == kCounterCapacity * 8);

// Called by a slot's new worker before it accepts: its predecessor's sessions ended with it, so
// their closes are counted now and opened - closed is the sessions open on the live worker.
inline void settle_sessions(CounterBlock& b) noexcept {
    b.raise(Counter::PusherConnectionsClosed, b.get(Counter::PusherConnectionsOpened));
    b.raise(Counter::PhoenixConnectionsClosed, b.get(Counter::PhoenixConnectionsOpened));
}

// A block's values copied out, for readers that sum or render them.
using CounterValues = std::array<std::uint64_t, kCounterCount>;

inline CounterValues read_all(const CounterBlock& b) noexcept {
    CounterValues v{};
    for (std::size_t i = 0; i < kCounterCount; ++i)
        v[i] = b.cells[i].load(std::memory_order_relaxed);
    return v;
}

// Folds one slot's values into host totals (sum, or max for a high-water mark).
inline void accumulate(CounterValues& total, const CounterValues& slot) noexcept {
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        if (is_high_water(static_cast<Counter>(i)))
            total[i] = slot[i] > total[i] ? slot[i] : total[i];
        else
            total[i] += slot[i];
    }
}

}  // namespace shoal::common
