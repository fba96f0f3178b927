// SPDX-License-Identifier: MIT
// LogHistogram: a fixed-size log-bucket histogram (HdrHistogram-like) for latencies in ns.
// Values below 64 are exact; above, each power of two has 64 buckets, so any reported value is
// within 1/64 (1.6 %) of the true one. Recording never allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace shoal::loadgen {

class LogHistogram {
  public:
    static constexpr unsigned kSubBits = 6;
    static constexpr std::uint64_t kSubCount = 1u << kSubBits;  // 64 buckets per octave
    static constexpr std::size_t kBuckets = kSubCount + (64 - kSubBits) * kSubCount;

    void record(std::uint64_t value) noexcept;
    void merge(const LogHistogram& other) noexcept;
    void reset() noexcept;

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept;
    // The smallest recorded-bucket value v such that at least q percent of samples are <= v,
    // reported as the bucket's highest value (clamped to the true maximum). 0 when empty.
    std::uint64_t percentile(double q) const noexcept;

    static std::size_t bucket_of(std::uint64_t value) noexcept;
    static std::uint64_t bucket_low(std::size_t index) noexcept;
    static std::uint64_t bucket_high(std::size_t index) noexcept;

  private:
    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t min_ = ~std::uint64_t{0};
    std::uint64_t max_ = 0;
    double sum_ = 0;
};

}  // namespace shoal::loadgen
