// SPDX-License-Identifier: MIT
#include "common/utf8_validator.hpp"

#include <string>

#include <catch2/catch.hpp>

using shoal::common::is_valid_utf8;
using shoal::common::Utf8Validator;

TEST_CASE("Utf8Validator: accepts well-formed text of every sequence length", "[common]") {
    REQUIRE(is_valid_utf8(""));
    REQUIRE(is_valid_utf8("plain ascii, long enough for the word-at-a-time path"));
    REQUIRE(is_valid_utf8("\xC2\x80 \xDF\xBF \xE0\xA0\x80 \xED\x9F\xBF \xEF\xBF\xBF"));
    REQUIRE(is_valid_utf8("\xF0\x90\x80\x80 \xF4\x8F\xBF\xBF \xF0\x9F\x98\x80"));
}

TEST_CASE("Utf8Validator: refuses overlongs, surrogates, out-of-range and stray bytes",
          "[common]") {
    REQUIRE_FALSE(is_valid_utf8("\xC0\xAF"));  // overlong '/'
    REQUIRE_FALSE(is_valid_utf8("\xC1\xBF"));
    REQUIRE_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // overlong 3-byte
    REQUIRE_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
    REQUIRE_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // overlong 4-byte
    REQUIRE_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
    REQUIRE_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    REQUIRE_FALSE(is_valid_utf8("\x80"));  // lone continuation
    REQUIRE_FALSE(is_valid_utf8("abc\xFF"));
    REQUIRE_FALSE(is_valid_utf8("\xE2\x82"));  // truncated
    REQUIRE_FALSE(is_valid_utf8("\xE2(\xA1"));
}

TEST_CASE("Utf8Validator: a code point split anywhere across feeds is still checked", "[common]") {
    const std::string good =
        "ab\xF0\x9F\x98\x80\xE2\x82\xAC"
        "cd\xC3\xA9";
    for (std::size_t cut = 0; cut <= good.size(); ++cut) {
        Utf8Validator v;
        REQUIRE(v.feed(good.data(), cut));
        REQUIRE(v.feed(good.data() + cut, good.size() - cut));
        REQUIRE(v.complete());
        if (cut > 0 && cut < good.size()) {
            Utf8Validator w;
            REQUIRE(w.feed(good.data(), cut));
            const bool mid_sequence = !w.complete();
            REQUIRE(mid_sequence == ((static_cast<unsigned char>(good[cut]) & 0xC0) == 0x80));
        }
    }
    const std::string bad = "\xF0\x9F\x28\x80";
    for (std::size_t cut = 0; cut <= bad.size(); ++cut) {
        Utf8Validator v;
        const bool ok = v.feed(bad.data(), cut) && v.feed(bad.data() + cut, bad.size() - cut);
        REQUIRE_FALSE(ok);
    }
}
