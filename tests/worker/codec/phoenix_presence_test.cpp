// SPDX-License-Identifier: MIT
#include "worker/codec/phoenix_presence.hpp"

#include <catch2/catch.hpp>

using namespace shoal;

TEST_CASE("phoenix presence codec: a meta is phx_ref followed by the user_info members",
          "[codec][phoenix]") {
    std::string out;
    codec::append_presence_meta(out, "F1.2.3", R"({"name":"Ann","n":1})");
    CHECK(out == R"({"phx_ref":"F1.2.3","name":"Ann","n":1})");
    out.clear();
    codec::append_presence_meta(out, "r", "{}");
    CHECK(out == R"({"phx_ref":"r"})");
    out.clear();
    codec::append_presence_meta(out, "r", "[1]");
    CHECK(out == R"({"phx_ref":"r","user_info":[1]})");
}

TEST_CASE("phoenix presence codec: phx_ref names slot, epoch and connection", "[codec][phoenix]") {
    std::string out;
    codec::append_phx_ref(out, 3, 17, 123456789012ull);
    CHECK(out == "F3.17.123456789012");
    out.clear();
    codec::append_phx_ref(out, 3, (std::uint64_t{1} << 32) + 17, 5);  // the epoch is 64-bit
    CHECK(out == "F3.4294967313.5");
}

TEST_CASE("phoenix presence codec: an entry wraps metas under the quoted key", "[codec][phoenix]") {
    std::string out;
    codec::open_presence_entry(out, "a\"b");
    out += "{}";
    codec::close_presence_entry(out);
    CHECK(out == R"("a\"b":{"metas":[{}]})");
}

TEST_CASE("phoenix presence codec: JSON text is embedded as is, anything else as a string",
          "[codec][phoenix]") {
    std::string out;
    codec::append_json_or_string(out, R"({"a":[1,2]})");
    CHECK(out == R"({"a":[1,2]})");
    out.clear();
    codec::append_json_or_string(out, "42");
    CHECK(out == "42");
    out.clear();
    codec::append_json_or_string(out, "{\"a\":1} trailing");
    CHECK(out == R"("{\"a\":1} trailing")");
    out.clear();
    codec::append_json_or_string(out, "");
    CHECK(out == R"("")");
    CHECK_FALSE(codec::is_json_value("{"));
    CHECK(codec::is_json_value(" [true] "));
}
