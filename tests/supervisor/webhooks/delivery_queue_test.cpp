// SPDX-License-Identifier: MIT
// test-labels: unit supervisor webhooks
// The delivery queue: oldest first, one request per URL at a time (a hanging URL holds only its
// own batches), retries after the backoff, a batch given up after retry_for_ms, the byte bound
// dropping the oldest batches not in flight, and batches whose app or URL went away.
#include "supervisor/webhooks/delivery_queue.hpp"

#include <catch2/catch.hpp>

using namespace shoal::webhooks;

namespace {

Batch batch(const char* url, std::size_t body_bytes = 100, std::uint32_t events = 1) {
    return Batch{"app", url, std::string(body_bytes, 'x'), events};
}

QueueLimits limits(std::uint64_t bytes = 1 << 20, std::uint64_t retry_for = 300'000) {
    QueueLimits l;
    l.max_bytes = bytes;
    l.retry_for_ms = retry_for;
    l.max_in_flight = 8;
    l.per_url_in_flight = 1;
    return l;
}

}  // namespace

TEST_CASE("DeliveryQueue: oldest first, one request per URL in flight", "[supervisor][webhooks]") {
    DeliveryQueue q(limits(), RetryBackoff(1));
    q.push(batch("a"), 0);
    q.push(batch("a"), 0);
    q.push(batch("b"), 0);
    const auto* first = q.start_next(0);
    REQUIRE(first);
    REQUIRE(first->batch.url == "a");
    const std::uint64_t a1 = first->id;
    const auto* second = q.start_next(0);
    REQUIRE(second);
    REQUIRE(second->batch.url == "b");  // a's second waits for a's first
    const std::uint64_t b1 = second->id;
    REQUIRE_FALSE(q.start_next(0));
    REQUIRE(q.in_flight() == 2);
    q.finish(a1, true, 10);
    const auto* third = q.start_next(10);
    REQUIRE(third);
    REQUIRE(third->batch.url == "a");
    q.finish(third->id, true, 20);
    q.finish(b1, true, 20);
    REQUIRE(q.size() == 0);
    REQUIRE(q.bytes() == 0);
    REQUIRE(q.counters().requests_sent == 3);
    REQUIRE(q.counters().events_sent == 3);
}

TEST_CASE("DeliveryQueue: a failure is retried after the backoff, then succeeds once",
          "[supervisor][webhooks]") {
    DeliveryQueue q(limits(), RetryBackoff(3));
    q.push(batch("a", 100, 4), 0);
    const std::uint64_t id = q.start_next(0)->id;
    q.finish(id, false, 100);  // a 500
    REQUIRE(q.counters().requests_failed == 1);
    REQUIRE_FALSE(q.start_next(100));  // not before the backoff
    const auto ready = q.next_ready_ms();
    REQUIRE(ready);
    REQUIRE(*ready >= 100 + RetryBackoff::kInitialMs / 2);
    REQUIRE(*ready <= 100 + RetryBackoff::kInitialMs);
    const auto* again = q.start_next(*ready);
    REQUIRE(again);
    REQUIRE(again->id == id);
    REQUIRE(again->attempts == 2);
    q.finish(id, true, *ready + 5);
    REQUIRE(q.counters().requests_retried == 1);
    REQUIRE(q.counters().requests_sent == 1);
    REQUIRE(q.counters().events_sent == 4);
    REQUIRE(q.size() == 0);
}

TEST_CASE("DeliveryQueue: a batch still failing after retry_for_ms is dropped and counted",
          "[supervisor][webhooks]") {
    DeliveryQueue q(limits(1 << 20, 10'000), RetryBackoff(5));
    q.push(batch("a"), 0);
    std::uint64_t now = 0;
    int attempts = 0;
    while (q.size() != 0) {
        const auto* item = q.start_next(now);
        if (!item) {
            now = *q.next_ready_ms();
            continue;
        }
        ++attempts;
        q.finish(item->id, false, now + 1);
        now += 1;
        REQUIRE(attempts < 100);
    }
    REQUIRE(q.counters().dropped_expired == 1);
    REQUIRE(q.counters().requests_failed == static_cast<std::uint64_t>(attempts));
    REQUIRE(attempts >= 5);  // 250 ms doubling within 10 s
    REQUIRE(now <= 10'000);
    REQUIRE(q.bytes() == 0);
}

TEST_CASE("DeliveryQueue: over its byte bound it drops the oldest batches not in flight",
          "[supervisor][webhooks]") {
    const std::uint64_t per = 1000 + 1 + 3 + sizeof(DeliveryQueue::Item);
    DeliveryQueue q(limits(per * 5), RetryBackoff(1));
    q.push(batch("a", 1000), 0);
    const std::uint64_t hanging = q.start_next(0)->id;  // in flight: never dropped under it
    for (int i = 0; i < 20; ++i)
        q.push(batch("a", 1000), static_cast<std::uint64_t>(i));
    REQUIRE(q.size() == 5);
    REQUIRE(q.bytes() <= per * 5);
    REQUIRE(q.counters().dropped_overflow == 16);
    REQUIRE(q.find(hanging));
    q.finish(hanging, true, 30);
    // What is left is the newest four.
    std::uint64_t last = 0;
    for (int i = 0; i < 4; ++i) {
        const auto* item = q.start_next(40);
        REQUIRE(item);
        REQUIRE(item->id > last);
        last = item->id;
        q.finish(item->id, true, 40);
    }
    REQUIRE(last == hanging + 20);
}

TEST_CASE("DeliveryQueue: a hanging URL holds only its own batches", "[supervisor][webhooks]") {
    DeliveryQueue q(limits(), RetryBackoff(1));
    q.push(batch("hang"), 0);
    q.push(batch("hang"), 0);
    REQUIRE(q.start_next(0)->batch.url == "hang");
    for (int i = 0; i < 5; ++i)
        q.push(batch("ok"), 1);
    for (int i = 0; i < 5; ++i) {
        const auto* item = q.start_next(2);
        REQUIRE(item);
        REQUIRE(item->batch.url == "ok");
        q.finish(item->id, true, 3);
    }
    REQUIRE_FALSE(q.start_next(3));
    REQUIRE(q.size() == 2);
}

TEST_CASE("DeliveryQueue: an unrouted batch goes, in flight or not", "[supervisor][webhooks]") {
    DeliveryQueue q(limits(), RetryBackoff(1));
    q.push(batch("a"), 0);
    q.push(batch("b"), 0);
    const std::uint64_t a = q.start_next(0)->id;
    q.drop_unrouted(a);
    q.finish(a, true, 1);  // the answer of a dropped batch changes nothing
    const auto* b = q.start_next(1);
    q.drop_unrouted(b->id);
    REQUIRE(q.size() == 0);
    REQUIRE(q.bytes() == 0);
    REQUIRE(q.in_flight() == 0);
    REQUIRE(q.counters().dropped_unrouted == 2);
    REQUIRE(q.counters().requests_sent == 0);
}
