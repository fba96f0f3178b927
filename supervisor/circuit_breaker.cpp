// SPDX-License-Identifier: MIT
// Failure times are kept (at most K) and aged out of the window on each new failure.
#include "supervisor/circuit_breaker.hpp"

#include <algorithm>

namespace shoal::sup {

const char* breaker_state_name(BreakerState state) noexcept {
    switch (state) {
        case BreakerState::Closed:
            return "closed";
        case BreakerState::Open:
            return "open";
        case BreakerState::HalfOpen:
            return "half-open";
    }
    return "closed";
}

CircuitBreaker::CircuitBreaker(const BreakerKnobs& knobs) : knobs_(knobs) {
    if (knobs_.failures == 0) knobs_.failures = 1;
    failures_ms_.reserve(knobs_.failures);
}

std::size_t CircuitBreaker::recent_failures(std::uint64_t now_ms) const {
    return static_cast<std::size_t>(
        std::count_if(failures_ms_.begin(), failures_ms_.end(),
                      [&](std::uint64_t t) { return now_ms < t + knobs_.window_ms; }));
}

void CircuitBreaker::open(std::uint64_t now_ms) {
    state_ = BreakerState::Open;
    reopens_at_ms_ = now_ms + knobs_.cooldown_ms;
    failures_ms_.clear();
}

bool CircuitBreaker::on_failure(std::uint64_t now_ms, bool fatal) {
    // A failed half-open trial proves nothing changed: back to a full cooldown.
    if (fatal || state_ == BreakerState::HalfOpen) {
        BreakerState before = state_;
        open(now_ms);
        return before != BreakerState::Open;
    }
    if (state_ == BreakerState::Open) return false;
    std::erase_if(failures_ms_, [&](std::uint64_t t) { return now_ms >= t + knobs_.window_ms; });
    if (failures_ms_.size() == knobs_.failures) failures_ms_.erase(failures_ms_.begin());
    failures_ms_.push_back(now_ms);
    if (failures_ms_.size() < knobs_.failures) return false;
    open(now_ms);
    return true;
}

bool CircuitBreaker::on_healthy(std::uint64_t) {
    if (state_ != BreakerState::HalfOpen) return false;
    state_ = BreakerState::Closed;
    failures_ms_.clear();
    return true;
}

bool CircuitBreaker::poll(std::uint64_t now_ms) {
    // Times are whole milliseconds, truncated: the failure may have come late in its millisecond,
    // so the deadline's own millisecond could still be short of a full cooldown. Waiting for the
    // next one makes the cooldown at least its configured length in real time.
    if (state_ != BreakerState::Open || now_ms <= reopens_at_ms_) return false;
    state_ = BreakerState::HalfOpen;
    return true;
}

}  // namespace shoal::sup
