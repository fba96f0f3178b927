// SPDX-License-Identifier: MIT
// Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF),
// fed fragment by fragment so an invalid text message fails at its first bad byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shoal::common {

class Utf8Validator {
  public:
    // False at the first byte that can never be part of valid UTF-8; the state is then undefined.
    bool feed(const char* data, std::size_t len) noexcept;
    // True when no code point is left unfinished.
    bool complete() const noexcept { return need_ == 0; }
    void reset() noexcept { need_ = 0, lo_ = 0x80, hi_ = 0xBF; }

  private:
    std::uint8_t need_ = 0;   // continuation bytes still expected
    std::uint8_t lo_ = 0x80;  // allowed range of the next continuation byte
    std::uint8_t hi_ = 0xBF;
};

bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace shoal::common
