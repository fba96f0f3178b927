// SPDX-License-Identifier: MIT
// test-labels: unit supervisor webhooks
// X-Pusher-Signature is the lowercase hex HMAC-SHA256 of the body keyed with the app's secret.
#include "supervisor/webhooks/webhook_signature.hpp"

#include <catch2/catch.hpp>

using namespace shoal::webhooks;

TEST_CASE("webhook signature: hex HMAC-SHA256 of the body with the secret",
          "[supervisor][webhooks]") {
    // The RFC 4231-style reference value every HMAC library agrees on.
    REQUIRE(sign_body("key", "The quick brown fox jumps over the lazy dog") ==
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    const std::string body = R"({"time_ms":1,"events":[]})";
    REQUIRE(sign_body("s1", body).size() == 64);
    REQUIRE(sign_body("s1", body) != sign_body("s2", body));
    REQUIRE(sign_body("s1", body) == sign_body("s1", body));
}
