// SPDX-License-Identifier: MIT
// Channel and user auth signatures against Pusher's published examples.
#include "worker/codec/pusher_signature.hpp"

#include <catch2/catch.hpp>

using namespace shoal::codec;

namespace {
constexpr std::string_view kKey = "278d425bdf160c739803";
constexpr std::string_view kSecret = "7ad3773142a6692b25b8";
}  // namespace

TEST_CASE("pusher signature: the private-channel example from Pusher's docs signs as published",
          "[codec][pusher]") {
    auto auth = sign_channel(kKey, kSecret, "1234.1234", "private-foobar", "");
    CHECK(auth ==
          "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
    CHECK(verify_channel_auth(kKey, kSecret, "1234.1234", "private-foobar", "", auth));
}

TEST_CASE("pusher signature: a wrong socket, channel, key, data or digit is rejected",
          "[codec][pusher]") {
    auto auth = sign_channel(kKey, kSecret, "1.2", "presence-x", R"({"user_id":"1"})");
    CHECK(verify_channel_auth(kKey, kSecret, "1.2", "presence-x", R"({"user_id":"1"})", auth));
    CHECK_FALSE(
        verify_channel_auth(kKey, kSecret, "1.3", "presence-x", R"({"user_id":"1"})", auth));
    CHECK_FALSE(
        verify_channel_auth(kKey, kSecret, "1.2", "presence-y", R"({"user_id":"1"})", auth));
    CHECK_FALSE(
        verify_channel_auth(kKey, kSecret, "1.2", "presence-x", R"({"user_id":"2"})", auth));
    CHECK_FALSE(
        verify_channel_auth("other", kSecret, "1.2", "presence-x", R"({"user_id":"1"})", auth));
    std::string flipped = auth;
    flipped.back() = flipped.back() == '0' ? '1' : '0';
    CHECK_FALSE(
        verify_channel_auth(kKey, kSecret, "1.2", "presence-x", R"({"user_id":"1"})", flipped));
    CHECK_FALSE(verify_channel_auth(kKey, kSecret, "1.2", "presence-x", R"({"user_id":"1"})", ""));
    CHECK_FALSE(verify_channel_auth(kKey, kSecret, "1.2", "presence-x", R"({"user_id":"1"})",
                                    auth.substr(0, auth.size() - 1)));
}

TEST_CASE("pusher signature: user auth signs socket_id::user::user_data", "[codec][pusher]") {
    std::string_view user = R"({"id":"42","name":"Ann"})";
    auto auth = sign_user(kKey, kSecret, "5.6", user);
    auto expected = hmac_sha256_hex(kSecret, std::string("5.6::user::") + std::string(user));
    CHECK(auth == std::string(kKey) + ":" + std::string(view(expected)));
    CHECK(verify_user_auth(kKey, kSecret, "5.6", user, auth));
    CHECK_FALSE(verify_user_auth(kKey, kSecret, "5.7", user, auth));
}

TEST_CASE("pusher signature: md5 and HMAC match their RFC test vectors", "[codec][pusher]") {
    CHECK(view(md5_hex("")) == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(view(md5_hex("abc")) == "900150983cd24fb0d6963f7d28e17f72");
    // RFC 4231 test case 2
    CHECK(view(hmac_sha256_hex("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("pusher signature: constant_time_equal compares whole strings", "[codec][pusher]") {
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "ab"));
    CHECK(constant_time_equal("", ""));
}
