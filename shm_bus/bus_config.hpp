// SPDX-License-Identifier: MIT
// BusConfig: the sizes that fix a segment's layout. Ring index i < slots is worker slot i's ring;
// ring index `slots` is the supervisor's control ring. validate() is the one place sizes are
// judged.
#pragma once

#include <cstdint>

#include "common/result.hpp"

namespace shoal::common {
struct Config;
}

namespace shoal::bus {

inline constexpr std::uint32_t kMaxSlots = 64;
inline constexpr std::uint32_t kMaxRings = kMaxSlots + 1;
inline constexpr std::uint64_t kMinRingBytes = 64 * 1024;
inline constexpr std::uint64_t kMaxRingBytes = 1ull << 30;

struct BusConfig {
    std::uint32_t slots = 1;
    std::uint64_t ring_bytes = 4ull << 20;       // power of two
    std::uint32_t max_record_bytes = 64 * 1024;  // payload bytes; larger records are refused
    // The format version of the records the rings carry (records::kSchemaVersion); the bus moves
    // opaque bytes, it only refuses to join processes that disagree on it.
    std::uint32_t record_schema = 0;

    constexpr std::uint32_t ring_count() const noexcept { return slots + 1; }
    constexpr std::uint32_t control_ring() const noexcept { return slots; }

    // slots in 1..kMaxSlots; ring_bytes a power of two in [kMinRingBytes, kMaxRingBytes];
    // a maximum record (header included) fits four times in a ring, so a reader that resyncs to
    // the latest record always finds it intact.
    common::Result<void> validate() const;

    bool operator==(const BusConfig&) const = default;
};

// The layout a server with this configuration uses: the supervisor creates the segment with it
// and every worker attaches expecting exactly it (attach refuses a mismatch).
BusConfig bus_config_for(const common::Config& config);

}  // namespace shoal::bus
