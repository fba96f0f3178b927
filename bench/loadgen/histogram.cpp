// SPDX-License-Identifier: MIT
// LogHistogram: bucket arithmetic and percentile walk.
#include "bench/loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace shoal::loadgen {

std::size_t LogHistogram::bucket_of(std::uint64_t value) noexcept {
    if (value < kSubCount) return static_cast<std::size_t>(value);
    const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= 6
    const unsigned shift = exponent - kSubBits;
    const std::uint64_t mantissa = (value >> shift) & (kSubCount - 1);
    return static_cast<std::size_t>(kSubCount + shift * kSubCount + mantissa);
}

std::uint64_t LogHistogram::bucket_low(std::size_t index) noexcept {
    if (index < kSubCount) return index;
    const std::size_t shift = (index - kSubCount) / kSubCount;
    const std::uint64_t mantissa = (index - kSubCount) % kSubCount;
    return (kSubCount + mantissa) << shift;
}

std::uint64_t LogHistogram::bucket_high(std::size_t index) noexcept {
    if (index < kSubCount) return index;
    const std::size_t shift = (index - kSubCount) / kSubCount;
    return bucket_low(index) + ((std::uint64_t{1} << shift) - 1);
}

void LogHistogram::record(std::uint64_t value) noexcept {
    ++counts_[bucket_of(value)];
    ++count_;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    sum_ += static_cast<double>(value);
}

void LogHistogram::merge(const LogHistogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i)
        counts_[i] += other.counts_[i];
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

void LogHistogram::reset() noexcept {
    *this = LogHistogram{};
}

double LogHistogram::mean() const noexcept {
    return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
}

std::uint64_t LogHistogram::percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 100.0);
    auto target = static_cast<std::uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_)));
    target = std::clamp<std::uint64_t>(target, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= target) return std::clamp(bucket_high(i), min_, max_);
    }
    return max_;
}

}  // namespace shoal::loadgen
