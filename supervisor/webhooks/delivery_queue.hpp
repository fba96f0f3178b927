// SPDX-License-Identifier: MIT
// DeliveryQueue: the batches waiting to be sent, in flight, or waiting to be retried, bounded in
// bytes. Pushing over the bound drops the oldest batches not in flight (counted): the queue never
// grows and its producer (the host view's loop) never waits. Each URL has at most
// `per_url_in_flight` requests out, so an endpoint that hangs holds its own batches and no
// other's. A failed attempt is retried after RetryBackoff's delay; a batch older than
// `retry_for_ms` is dropped (counted) instead of being sent again. Pure: times are passed in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "supervisor/webhooks/batcher.hpp"
#include "supervisor/webhooks/retry_backoff.hpp"

namespace shoal::webhooks {

struct DeliveryCounters {
    std::uint64_t requests_sent = 0;     // answered 2xx
    std::uint64_t events_sent = 0;       // in those requests
    std::uint64_t requests_failed = 0;   // attempts answered otherwise, or not at all
    std::uint64_t requests_retried = 0;  // attempts after a batch's first
    std::uint64_t dropped_overflow = 0;  // batches dropped for the byte bound
    std::uint64_t dropped_expired = 0;   // batches still failing after retry_for_ms
    std::uint64_t dropped_unrouted = 0;  // batches whose app or URL a reload removed
};

struct QueueLimits {
    std::uint64_t max_bytes = 16u << 20;
    std::uint64_t retry_for_ms = 300'000;
    std::uint32_t max_in_flight = 32;
    std::uint32_t per_url_in_flight = 1;
};

class DeliveryQueue {
  public:
    struct Item {
        std::uint64_t id = 0;
        Batch batch;
        std::uint64_t created_ms = 0;
        std::uint64_t ready_ms = 0;
        std::uint32_t attempts = 0;
        bool in_flight = false;
    };

    DeliveryQueue(const QueueLimits& limits, RetryBackoff backoff) noexcept
        : limits_(limits), backoff_(backoff) {}

    void push(Batch b, std::uint64_t now_ms);
    // The oldest batch that may go now (ready, and its URL has room), marked in flight; null
    // when none. Batches found past retry_for_ms on the way are dropped.
    const Item* start_next(std::uint64_t now_ms);
    // The answer to an attempt: a success removes the batch, a failure schedules a retry or
    // drops it past retry_for_ms.
    void finish(std::uint64_t id, bool ok, std::uint64_t now_ms);
    // Drops a batch that can no longer be sent (its app or URL is gone), in flight or not.
    void drop_unrouted(std::uint64_t id);

    const Item* find(std::uint64_t id) const noexcept {
        auto it = items_.find(id);
        return it == items_.end() ? nullptr : &it->second;
    }
    // When a batch not in flight becomes ready (now or later); none when all are in flight.
    std::optional<std::uint64_t> next_ready_ms() const noexcept;
    std::size_t size() const noexcept { return items_.size(); }
    std::uint64_t bytes() const noexcept { return bytes_; }
    std::uint32_t in_flight() const noexcept { return in_flight_; }
    bool saturated() const noexcept { return in_flight_ >= limits_.max_in_flight; }
    const DeliveryCounters& counters() const noexcept { return counters_; }

  private:
    using Ready = std::set<std::pair<std::uint64_t, std::uint64_t>>;  // (ready_ms, id)
    struct Url {
        Ready ready;
        std::uint32_t in_flight = 0;
    };

    static std::uint64_t cost(const Batch& b) noexcept {
        return b.body.size() + b.url.size() + b.app_id.size() + sizeof(Item);
    }
    void erase(std::map<std::uint64_t, Item>::iterator it);
    void drop_oldest_idle();

    QueueLimits limits_;
    RetryBackoff backoff_;
    std::map<std::uint64_t, Item> items_;  // by id: oldest first
    std::map<std::string, Url, std::less<>> urls_;
    std::uint64_t next_id_ = 1;
    std::uint64_t bytes_ = 0;
    std::uint32_t in_flight_ = 0;
    DeliveryCounters counters_;
};

}  // namespace shoal::webhooks
