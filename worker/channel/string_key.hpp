// SPDX-License-Identifier: MIT
// Transparent hashing so maps keyed by std::string are searched with a string_view, without
// building a std::string per lookup (fan-out looks topics up per message).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace shoal::channel {

struct StringKeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

// Not std::equal_to<>: that would pull <functional> into the fan-out header (STYLE R7).
struct StringKeyEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

template <class V>
using StringMap = std::unordered_map<std::string, V, StringKeyHash, StringKeyEqual>;

}  // namespace shoal::channel
