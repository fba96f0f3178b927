// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib
// The stamp survives any JSON wrapping and is found without parsing.
#include "bench/loadgen/bench_stamp.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace shoal::loadgen;

TEST_CASE("bench_stamp: stamped data has the asked size and round-trips seq and time",
          "[bench][stamp]") {
    const std::string data = make_stamped_data(64, Stamp{42, 0x0123456789abcdefull});
    REQUIRE(data.size() == 64);
    REQUIRE(data.find_first_of("\"\\") == std::string::npos);
    const std::string frame = R"({"event":"bench","channel":"bench-1","data":")" + data + "\"}";
    Stamp s;
    REQUIRE(find_stamp(frame, s));
    REQUIRE(s.seq == 42);
    REQUIRE(s.send_ns == 0x0123456789abcdefull);
}

TEST_CASE("bench_stamp: data shorter than the stamp is widened to hold it", "[bench][stamp]") {
    REQUIRE(make_stamped_data(1, {}).size() == kStampBytes);
    REQUIRE(make_stamped_data(1024, {}).size() == 1024);
}

TEST_CASE("bench_stamp: restamp overwrites in place", "[bench][stamp]") {
    std::string data = make_stamped_data(100, Stamp{1, 2});
    restamp(data.data(), Stamp{~0ull, 12345});
    Stamp s;
    REQUIRE(find_stamp(data, s));
    REQUIRE(s.seq == ~0ull);
    REQUIRE(s.send_ns == 12345);
    REQUIRE(data.size() == 100);
}

TEST_CASE("bench_stamp: frames without a stamp, truncated or corrupt stamps are not found",
          "[bench][stamp]") {
    Stamp s;
    REQUIRE_FALSE(find_stamp(R"({"event":"pusher:pong","data":{}})", s));
    const std::string data = make_stamped_data(64, Stamp{5, 6});
    REQUIRE_FALSE(find_stamp(std::string_view(data).substr(0, kStampBytes - 1), s));
    std::string bad = data;
    bad[10] = 'g';
    REQUIRE_FALSE(find_stamp(bad, s));
    bad = data;
    bad[20] = 'x';
    REQUIRE_FALSE(find_stamp(bad, s));
}

TEST_CASE("bench_stamp: the JSON fill has the asked size, its stamp, and stays a valid string",
          "[bench][stamp]") {
    for (std::size_t size : {38u, 100u, 1024u, 4097u}) {
        const std::string d = make_stamped_data(size, {7, 99}, PayloadFill::Json);
        REQUIRE(d.size() == size);
        Stamp s;
        REQUIRE(find_stamp(d, s));
        CHECK(s.seq == 7);
        // Quotes only escaped, never a dangling backslash: the body embeds it as a JSON string.
        for (std::size_t i = 0; i < d.size(); ++i) {
            if (d[i] == '"') CHECK((i > 0 && d[i - 1] == '\\'));
            if (d[i] == '\\') {
                REQUIRE(i + 1 < d.size());
                CHECK((d[i + 1] == '"' || d[i + 1] == '\\'));
                ++i;
            }
        }
    }
    // Varied numbers: much less compressible than the 'x' fill, as real data is.
    const std::string j = make_stamped_data(1024, {}, PayloadFill::Json);
    CHECK(j.find("\\\"sym\\\"") != std::string::npos);
}
