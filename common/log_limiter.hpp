// SPDX-License-Identifier: MIT
// At most N log lines a second for messages a peer can cause at will (protocol errors, unsigned
// requests): a flood costs one counter increment per message, not one line each.
#pragma once

#include <cstdint>

namespace shoal::common {

class LogLimiter {
  public:
    explicit LogLimiter(std::uint32_t per_second) noexcept : per_second_(per_second) {}

    // True when a line may be written at now_ms (any millisecond clock). The first call of a new
    // second sets dropped_before to the number of lines held back in the previous one (0 if
    // none), for the caller to log as "N ... not logged"; other calls leave it 0.
    bool allow(std::uint64_t now_ms, std::uint64_t& dropped_before) noexcept {
        dropped_before = 0;
        if (now_ms - window_ms_ >= 1000 || now_ms < window_ms_) {
            dropped_before = dropped_;
            window_ms_ = now_ms;
            in_window_ = 0;
            dropped_ = 0;
        }
        if (++in_window_ > per_second_) {
            ++dropped_;
            return false;
        }
        return true;
    }

  private:
    std::uint32_t per_second_;
    std::uint64_t window_ms_ = 0;
    std::uint32_t in_window_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace shoal::common
