// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib
// LogHistogram: exact small values, bounded relative error, percentiles, merge.
#include "bench/loadgen/histogram.hpp"

#include <cstdint>

#include <catch2/catch.hpp>

using shoal::loadgen::LogHistogram;

TEST_CASE("LogHistogram: values below 64 land in their own bucket and report exactly",
          "[bench][histogram]") {
    for (std::uint64_t v = 0; v < 64; ++v) {
        REQUIRE(LogHistogram::bucket_of(v) == v);
        REQUIRE(LogHistogram::bucket_low(v) == v);
        REQUIRE(LogHistogram::bucket_high(v) == v);
    }
    LogHistogram h;
    h.record(7);
    REQUIRE(h.percentile(50) == 7);
    REQUIRE(h.percentile(100) == 7);
}

TEST_CASE("LogHistogram: every value lies inside its bucket, whose width is at most 1/64 of it",
          "[bench][histogram]") {
    std::uint64_t v = 64;
    while (v < (std::uint64_t{1} << 62)) {
        for (const std::uint64_t x : {v, v + 1, v * 3 / 2, 2 * v - 1}) {
            const std::size_t b = LogHistogram::bucket_of(x);
            REQUIRE(b < LogHistogram::kBuckets);
            REQUIRE(LogHistogram::bucket_low(b) <= x);
            REQUIRE(x <= LogHistogram::bucket_high(b));
            REQUIRE((LogHistogram::bucket_high(b) - LogHistogram::bucket_low(b)) * 64 <= x);
        }
        v *= 2;
    }
    REQUIRE(LogHistogram::bucket_of(~std::uint64_t{0}) == LogHistogram::kBuckets - 1);
}

TEST_CASE("LogHistogram: bucket indices grow with the value (no gaps, no overlaps)",
          "[bench][histogram]") {
    for (std::size_t b = 0; b + 1 < LogHistogram::kBuckets; ++b) {
        REQUIRE(LogHistogram::bucket_high(b) + 1 == LogHistogram::bucket_low(b + 1));
    }
}

TEST_CASE("LogHistogram: percentiles of 1..100000 ns are within 1.6 percent of the truth",
          "[bench][histogram]") {
    LogHistogram h;
    for (std::uint64_t v = 1; v <= 100'000; ++v)
        h.record(v);
    REQUIRE(h.count() == 100'000);
    REQUIRE(h.min() == 1);
    REQUIRE(h.max() == 100'000);
    REQUIRE(h.mean() == Approx(50'000.5));
    for (const double q : {50.0, 90.0, 99.0, 99.9}) {
        const double truth = q * 1000.0;
        const double got = static_cast<double>(h.percentile(q));
        REQUIRE(got >= truth);
        REQUIRE(got <= truth * (1.0 + 1.0 / 64));
    }
    REQUIRE(h.percentile(100) == 100'000);
    REQUIRE(h.percentile(0) == 1);
}

TEST_CASE("LogHistogram: a rare slow sample shows at p99.9 but not at p99", "[bench][histogram]") {
    LogHistogram h;
    for (int i = 0; i < 9'990; ++i)
        h.record(20'000);
    for (int i = 0; i < 10; ++i)
        h.record(5'000'000);
    REQUIRE(h.percentile(99) < 21'000);
    REQUIRE(h.percentile(99.95) >= 5'000'000);
    REQUIRE(h.max() == 5'000'000);
}

TEST_CASE("LogHistogram: an empty histogram reports zeros, and merge adds counts",
          "[bench][histogram]") {
    LogHistogram a, b;
    REQUIRE(a.percentile(99) == 0);
    REQUIRE(a.min() == 0);
    REQUIRE(a.mean() == 0.0);
    a.record(100);
    b.record(1'000'000);
    b.record(3);
    a.merge(b);
    REQUIRE(a.count() == 3);
    REQUIRE(a.min() == 3);
    REQUIRE(a.max() == 1'000'000);
    REQUIRE(a.percentile(50) >= 100);
    REQUIRE(a.percentile(50) < 102);
    a.reset();
    REQUIRE(a.count() == 0);
    REQUIRE(a.percentile(50) == 0);
}
