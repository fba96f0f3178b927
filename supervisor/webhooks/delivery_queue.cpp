// SPDX-License-Identifier: MIT
// Items live in one map by id (age order, for dropping the oldest) and are indexed per URL by
// readiness, so choosing the next request looks at one entry per URL, not at every batch: a
// hanging endpoint with thousands of batches queued costs nothing per dispatch.
#include "supervisor/webhooks/delivery_queue.hpp"

namespace shoal::webhooks {

void DeliveryQueue::push(Batch b, std::uint64_t now_ms) {
    const std::uint64_t id = next_id_++;
    bytes_ += cost(b);
    Item item{id, std::move(b), now_ms, now_ms, 0, false};
    urls_[item.batch.url].ready.insert({now_ms, id});
    items_.emplace(id, std::move(item));
    while (bytes_ > limits_.max_bytes && items_.size() > in_flight_)
        drop_oldest_idle();
}

void DeliveryQueue::drop_oldest_idle() {
    for (auto it = items_.begin(); it != items_.end(); ++it) {
        if (it->second.in_flight) continue;  // its body is being sent; it goes when answered
        ++counters_.dropped_overflow;
        erase(it);
        return;
    }
}

void DeliveryQueue::erase(std::map<std::uint64_t, Item>::iterator it) {
    Item& item = it->second;
    auto u = urls_.find(item.batch.url);
    if (u != urls_.end()) {
        if (item.in_flight) {
            --u->second.in_flight;
            --in_flight_;
        } else {
            u->second.ready.erase({item.ready_ms, item.id});
        }
        if (u->second.ready.empty() && u->second.in_flight == 0) urls_.erase(u);
    }
    bytes_ -= cost(item.batch);
    items_.erase(it);
}

const DeliveryQueue::Item* DeliveryQueue::start_next(std::uint64_t now_ms) {
    while (in_flight_ < limits_.max_in_flight) {
        // The oldest ready batch over the URLs that have room.
        Url* best_url = nullptr;
        std::uint64_t best_id = 0;
        for (auto& [url, u] : urls_) {
            if (u.in_flight >= limits_.per_url_in_flight || u.ready.empty()) continue;
            auto first = u.ready.begin();
            if (first->first > now_ms) continue;
            if (!best_url || first->second < best_id) {
                best_url = &u;
                best_id = first->second;
            }
        }
        if (!best_url) return nullptr;
        auto it = items_.find(best_id);
        Item& item = it->second;
        if (now_ms - item.created_ms > limits_.retry_for_ms) {  // waited too long behind its URL
            ++counters_.dropped_expired;
            erase(it);
            continue;
        }
        best_url->ready.erase({item.ready_ms, item.id});
        ++best_url->in_flight;
        ++in_flight_;
        item.in_flight = true;
        if (item.attempts++ != 0) ++counters_.requests_retried;
        return &item;
    }
    return nullptr;
}

void DeliveryQueue::finish(std::uint64_t id, bool ok, std::uint64_t now_ms) {
    auto it = items_.find(id);
    if (it == items_.end() || !it->second.in_flight) return;
    Item& item = it->second;
    if (ok) {
        ++counters_.requests_sent;
        counters_.events_sent += item.batch.events;
        return erase(it);
    }
    ++counters_.requests_failed;
    const std::uint64_t delay = backoff_.delay_ms(item.attempts);
    if (now_ms + delay - item.created_ms >= limits_.retry_for_ms) {
        ++counters_.dropped_expired;
        return erase(it);
    }
    Url& u = urls_[item.batch.url];
    --u.in_flight;
    --in_flight_;
    item.in_flight = false;
    item.ready_ms = now_ms + delay;
    u.ready.insert({item.ready_ms, item.id});
}

void DeliveryQueue::drop_unrouted(std::uint64_t id) {
    auto it = items_.find(id);
    if (it == items_.end()) return;
    ++counters_.dropped_unrouted;
    erase(it);
}

std::optional<std::uint64_t> DeliveryQueue::next_ready_ms() const noexcept {
    std::optional<std::uint64_t> next;
    for (const auto& [url, u] : urls_) {
        if (u.in_flight >= limits_.per_url_in_flight || u.ready.empty()) continue;
        const std::uint64_t t = u.ready.begin()->first;
        if (!next || t < *next) next = t;
    }
    return next;
}

}  // namespace shoal::webhooks
