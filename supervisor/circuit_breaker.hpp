// SPDX-License-Identifier: MIT
// Per-slot circuit breaker, a pure state machine over caller-supplied time: K failures within W
// open it for a cooldown; then half-open (one trial start); closed once that trial stays healthy.
#pragma once

#include <cstdint>
#include <vector>

namespace shoal::sup {

enum class BreakerState : std::uint8_t { Closed = 0, Open = 1, HalfOpen = 2 };

const char* breaker_state_name(BreakerState state) noexcept;

struct BreakerKnobs {
    std::uint32_t failures = 5;
    std::uint64_t window_ms = 30'000;
    std::uint64_t cooldown_ms = 30'000;
};

class CircuitBreaker {
  public:
    explicit CircuitBreaker(const BreakerKnobs& knobs);

    // A start failed or a worker died. fatal (a configuration error, exit 78) opens at once:
    // restarting cannot fix it. Returns true when this call changed the state.
    bool on_failure(std::uint64_t now_ms, bool fatal);

    // The worker stayed up long enough: a half-open trial succeeded, so the breaker closes.
    bool on_healthy(std::uint64_t now_ms);

    // Moves Open to HalfOpen once the cooldown has passed. Returns true when it did.
    bool poll(std::uint64_t now_ms);

    // Whether a start may happen now (Closed, or the single HalfOpen trial).
    bool allows_start() const noexcept { return state_ != BreakerState::Open; }

    BreakerState state() const noexcept { return state_; }
    std::uint64_t reopens_at_ms() const noexcept { return reopens_at_ms_; }
    std::size_t recent_failures(std::uint64_t now_ms) const;

  private:
    void open(std::uint64_t now_ms);

    BreakerKnobs knobs_;
    BreakerState state_ = BreakerState::Closed;
    std::uint64_t reopens_at_ms_ = 0;
    std::vector<std::uint64_t> failures_ms_;  // within the window, oldest first; at most K
};

}  // namespace shoal::sup
