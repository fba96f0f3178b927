// SPDX-License-Identifier: MIT
// A RingReader sink for tests: keeps every record and every loss report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace shoal::test {

struct CollectSink {
    struct Record {
        std::int32_t type;
        std::vector<std::byte> payload;
    };
    std::vector<Record> records;
    std::uint64_t lost_records = 0;
    std::uint64_t lost_bytes = 0;
    std::uint64_t lost_calls = 0;

    void on_record(std::int32_t type, std::span<const std::byte> payload) noexcept {
        records.push_back({type, {payload.begin(), payload.end()}});
    }
    void on_lost(std::uint64_t recs, std::uint64_t bytes) noexcept {
        lost_records += recs;
        lost_bytes += bytes;
        ++lost_calls;
    }
};

inline std::vector<std::byte> bytes_of(std::size_t n, std::uint8_t fill) {
    return std::vector<std::byte>(n, std::byte{fill});
}

}  // namespace shoal::test
