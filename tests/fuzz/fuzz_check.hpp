// SPDX-License-Identifier: MIT
// What every fuzz target shares: FUZZ_CHECK, an oracle failure that stops the run with a report
// libFuzzer saves as a crash input (abort), in every build type; and the input split into a
// few control bytes and the data the target parses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                        \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            std::fprintf(stderr, "%s:%d: fuzz oracle failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                       \
        }                                                                                       \
    } while (0)

namespace shoal::fuzz {

// Reads control bytes off the front of the input; 0 once it is used up.
class Controls {
  public:
    Controls(const std::uint8_t* data, std::size_t size) noexcept : p_(data), n_(size) {}
    std::uint8_t byte() noexcept {
        if (n_ == 0) return 0;
        --n_;
        return *p_++;
    }
    std::string_view rest() const noexcept { return {reinterpret_cast<const char*>(p_), n_}; }

  private:
    const std::uint8_t* p_;
    std::size_t n_;
};

// Cut points for feeding a stream in pieces: a small LCG seeded by the input, so every cut
// pattern is reproducible from the crash file alone.
class Cuts {
  public:
    Cuts(std::uint8_t seed, std::size_t max_piece) noexcept
        : state_(seed * 2654435761u + 1), max_(max_piece == 0 ? 1 : max_piece) {}
    std::size_t next() noexcept {
        state_ = state_ * 1664525u + 1013904223u;
        return 1 + (state_ >> 8) % max_;
    }

  private:
    std::uint32_t state_;
    std::size_t max_;
};

}  // namespace shoal::fuzz
