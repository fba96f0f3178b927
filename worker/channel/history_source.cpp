// SPDX-License-Identifier: MIT
// The epoch's text form, shared by every protocol's position.
#include "worker/channel/history_source.hpp"

namespace shoal::channel {

EpochText epoch_text(std::uint64_t epoch) noexcept {
    static constexpr char kHex[] = "0123456789abcdef";
    EpochText t;
    for (int i = 15; i >= 0; --i, epoch >>= 4)
        t.text[i] = kHex[epoch & 0xF];
    return t;
}

bool parse_epoch(std::string_view text, std::uint64_t& out) noexcept {
    if (text.size() != 16) return false;
    std::uint64_t v = 0;
    for (char c : text) {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return false;
        v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    out = v;
    return true;
}

}  // namespace shoal::channel
