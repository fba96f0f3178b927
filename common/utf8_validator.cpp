// SPDX-License-Identifier: MIT
// A byte-range state machine with an ASCII word-at-a-time fast path.
#include "common/utf8_validator.hpp"

#include <cstring>

namespace shoal::common {

bool Utf8Validator::feed(const char* data, std::size_t len) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    const auto* end = p + len;
    while (p < end) {
        if (need_ == 0) {
            // ASCII runs dominate JSON; skip them a word at a time.
            while (end - p >= 8) {
                std::uint64_t w;
                std::memcpy(&w, p, 8);
                if (w & 0x8080808080808080ull) break;
                p += 8;
            }
            if (p == end) break;
            const unsigned char b = *p++;
            if (b < 0x80) continue;
            lo_ = 0x80, hi_ = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                need_ = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need_ = 2;
                if (b == 0xE0) lo_ = 0xA0;  // overlong
                if (b == 0xED) hi_ = 0x9F;  // surrogates
            } else if (b >= 0xF0 && b <= 0xF4) {
                need_ = 3;
                if (b == 0xF0) lo_ = 0x90;  // overlong
                if (b == 0xF4) hi_ = 0x8F;  // past U+10FFFF
            } else {
                return false;
            }
        } else {
            const unsigned char b = *p++;
            if (b < lo_ || b > hi_) return false;
            lo_ = 0x80, hi_ = 0xBF;
            --need_;
        }
    }
    return true;
}

bool is_valid_utf8(std::string_view text) noexcept {
    Utf8Validator v;
    return v.feed(text.data(), text.size()) && v.complete();
}

}  // namespace shoal::common
