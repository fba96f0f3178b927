// SPDX-License-Identifier: MIT
#include "worker/codec/phoenix_token.hpp"

#include <catch2/catch.hpp>

using namespace shoal::codec;

TEST_CASE("base64url: RFC 4648 test vectors round-trip without padding", "[worker][phoenix]") {
    const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char* coded[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (int i = 0; i < 7; ++i) {
        REQUIRE(base64url_encode(plain[i]) == coded[i]);
        std::string back;
        REQUIRE(base64url_decode(coded[i], back));
        REQUIRE(back == plain[i]);
    }
    std::string out;
    REQUIRE(base64url_decode("Zm8=", out));
    REQUIRE(out == "fo");
    REQUIRE(base64url_encode("\xfb\xff") == "-_8");
    REQUIRE_FALSE(base64url_decode("Zm9v!", out));
    REQUIRE_FALSE(base64url_decode("Z", out));
}

TEST_CASE("phoenix token: a signed, unexpired token yields the identity", "[worker][phoenix]") {
    std::string token =
        make_phoenix_token(R"({"user_id":"u1","user_info":{"name":"Ann"},"exp":2000})", "s3cret");
    PhoenixIdentity id;
    REQUIRE(verify_phoenix_token(token, "s3cret", 1999, id) == TokenStatus::Ok);
    REQUIRE(id.user_id == "u1");
    REQUIRE(id.user_info == R"({"name":"Ann"})");
    REQUIRE(id.exp == 2000);
}

TEST_CASE("phoenix token: numeric user ids become text and user_info defaults to {}",
          "[worker][phoenix]") {
    PhoenixIdentity id;
    REQUIRE(verify_phoenix_token(make_phoenix_token(R"({"user_id":42,"exp":10})", "k"), "k", 5,
                                 id) == TokenStatus::Ok);
    REQUIRE(id.user_id == "42");
    REQUIRE(id.user_info == "{}");
}

TEST_CASE("phoenix token: every way to be wrong is refused", "[worker][phoenix]") {
    PhoenixIdentity id;
    std::string good = make_phoenix_token(R"({"user_id":"u","exp":100})", "k");
    REQUIRE(verify_phoenix_token("", "k", 1, id) == TokenStatus::Missing);
    REQUIRE(verify_phoenix_token("nodot", "k", 1, id) == TokenStatus::Malformed);
    REQUIRE(verify_phoenix_token(good, "other", 1, id) == TokenStatus::BadSignature);
    std::string flipped = good;
    flipped[2] = flipped[2] == 'A' ? 'B' : 'A';
    REQUIRE(verify_phoenix_token(flipped, "k", 1, id) == TokenStatus::BadSignature);
    REQUIRE(verify_phoenix_token(good, "k", 100, id) == TokenStatus::Expired);
    REQUIRE(verify_phoenix_token(make_phoenix_token(R"({"exp":100})", "k"), "k", 1, id) ==
            TokenStatus::BadClaims);
    REQUIRE(verify_phoenix_token(make_phoenix_token(R"({"user_id":"u"})", "k"), "k", 1, id) ==
            TokenStatus::BadClaims);
    REQUIRE(verify_phoenix_token(make_phoenix_token("[1]", "k"), "k", 1, id) ==
            TokenStatus::Malformed);
    REQUIRE(verify_phoenix_token(std::string(5000, 'a') + ".b", "k", 1, id) ==
            TokenStatus::Malformed);
}
