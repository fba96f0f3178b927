// SPDX-License-Identifier: MIT
// Test records that check themselves: the payload carries its sequence number and a checksum, and
// its length and type follow from the sequence number, so a torn, stale or misplaced record fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace shoal::test {

inline std::uint64_t mix64(std::uint64_t x) noexcept {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

inline std::uint64_t checksum(const std::byte* p, std::size_t n) noexcept {
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < n; ++i)
        h = (h ^ static_cast<std::uint8_t>(p[i])) * 0x100000001b3ull;
    return h;
}

inline constexpr std::size_t kMinTestPayload = 16;

// Length in [16, max_len], a skewed mix of small and large records.
inline std::size_t test_length(std::uint64_t seq, std::size_t max_len) noexcept {
    const std::uint64_t r = mix64(seq * 0x9E3779B97F4A7C15ull + 7);
    const std::size_t span = max_len - kMinTestPayload + 1;
    const std::size_t cap = (r & 3) == 0 ? span : (span < 256 ? span : 256);
    return kMinTestPayload + static_cast<std::size_t>((r >> 8) % cap);
}

inline std::int32_t test_type(std::uint64_t seq) noexcept {
    return static_cast<std::int32_t>(seq % 1000);
}

// Fills out[0, len): seq, pseudo-random words, checksum in the last 8 bytes.
inline void fill_payload(std::uint64_t seq, std::span<std::byte> out) noexcept {
    const std::size_t n = out.size();
    std::memcpy(out.data(), &seq, 8);
    std::uint64_t x = mix64(seq + 1);
    for (std::size_t i = 8; i + 8 <= n - 8; i += 8) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        std::memcpy(out.data() + i, &x, 8);
    }
    for (std::size_t i = 8 + ((n - 16) / 8) * 8; i < n - 8; ++i)
        out[i] = std::byte{0x5a};
    const std::uint64_t sum = checksum(out.data(), n - 8);
    std::memcpy(out.data() + n - 8, &sum, 8);
}

// The sequence number a valid payload carries, or ~0 if the payload is not intact.
inline std::uint64_t check_payload(std::int32_t type, std::span<const std::byte> in,
                                   std::size_t max_len) noexcept {
    constexpr std::uint64_t kBad = ~0ull;
    if (in.size() < kMinTestPayload) return kBad;
    std::uint64_t seq, sum;
    std::memcpy(&seq, in.data(), 8);
    std::memcpy(&sum, in.data() + in.size() - 8, 8);
    if (sum != checksum(in.data(), in.size() - 8)) return kBad;
    if (in.size() != test_length(seq, max_len) || type != test_type(seq)) return kBad;
    return seq;
}

}  // namespace shoal::test
