// SPDX-License-Identifier: MIT
// A Phoenix join's {"since": {"offset", "epoch"}}: absent, present, and every malformed shape.
#include "worker/codec/phoenix_join_since.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace shoal::codec;

TEST_CASE("phoenix join since: a position is read, its absence is no error, bad shapes are",
          "[codec][phoenix]") {
    JoinPosition p;
    CHECK(parse_join_since(R"({"since":{"offset":12,"epoch":"00000000000000ab"}})", p) ==
          JoinSince::Present);
    CHECK(p.offset == 12);
    CHECK(p.epoch == "00000000000000ab");
    CHECK(parse_join_since("{}", p) == JoinSince::Absent);
    CHECK(parse_join_since(R"({"token":"x"})", p) == JoinSince::Absent);
    for (const char* bad :
         {R"({"since":1})", R"({"since":{"offset":-1,"epoch":"e"}})",
          R"({"since":{"offset":"1","epoch":"e"}})", R"({"since":{"epoch":"e"}})",
          R"({"since":{"offset":1}})", R"({"since":{"offset":1,"epoch":null}})", "[]", "nope"})
        CHECK(parse_join_since(bad, p) == JoinSince::Malformed);
    const std::string long_epoch =
        R"({"since":{"offset":1,"epoch":")" + std::string(65, 'a') + "\"}}";
    CHECK(parse_join_since(long_epoch, p) == JoinSince::Malformed);
}
