// SPDX-License-Identifier: MIT
// percent_decode: the one RFC 3986 decoder of the HTTP API and the --cluster URL.
#include "common/percent_decode.hpp"

#include <catch2/catch.hpp>

using shoal::common::percent_decode;
using shoal::common::PlusIs;

TEST_CASE("percent_decode: escapes of either case decode, '+' is a space only when asked",
          "[common]") {
    std::string out;
    REQUIRE(percent_decode("p%3Aw%40d%2f1+x", out));
    CHECK(out == "p:w@d/1+x");
    REQUIRE(percent_decode("a+b%20c", out, PlusIs::Space));
    CHECK(out == "a b c");
    REQUIRE(percent_decode("", out));
    CHECK(out.empty());
}

TEST_CASE("percent_decode: a '%' without two hex digits is refused", "[common]") {
    std::string out;
    for (const char* bad : {"%", "%4", "x%4", "%zz", "%4g", "a%"})
        CHECK_FALSE(percent_decode(bad, out));
}
