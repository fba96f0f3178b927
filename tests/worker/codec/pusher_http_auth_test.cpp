// SPDX-License-Identifier: MIT
// HTTP API signatures, with Pusher's published signing example as the vector.
#include "worker/codec/pusher_http_auth.hpp"

#include <catch2/catch.hpp>

#include "worker/codec/pusher_signature.hpp"

using namespace shoal::codec;

namespace {
constexpr std::string_view kKey = "278d425bdf160c739803";
constexpr std::string_view kSecret = "7ad3773142a6692b25b8";
constexpr std::string_view kBody =
    R"({"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"})";
constexpr std::int64_t kTimestamp = 1353088179;
}  // namespace

TEST_CASE("pusher http auth: Pusher's published example signs and verifies", "[codec][pusher]") {
    CHECK(view(md5_hex(kBody)) == "ec365a775a4cd0599faeb73354201b6f");
    std::string query =
        sign_http_query("POST", "/apps/3/events", {}, kKey, kSecret, kTimestamp, kBody);
    CHECK(query ==
          "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5="
          "ec365a775a4cd0599faeb73354201b6f&auth_signature="
          "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
    std::vector<QueryParam> params;
    REQUIRE(parse_query(query, params));
    HttpAuthInput in{"POST", "/apps/3/events", &params, kBody};
    CHECK(verify_http_auth(in, kKey, kSecret, kTimestamp + 10) == HttpAuthStatus::Ok);
}

TEST_CASE("pusher http auth: each broken part has its own answer", "[codec][pusher]") {
    std::string query =
        sign_http_query("POST", "/apps/3/events", {}, kKey, kSecret, kTimestamp, kBody);
    std::vector<QueryParam> params;
    REQUIRE(parse_query(query, params));
    HttpAuthInput in{"POST", "/apps/3/events", &params, kBody};

    SECTION("a timestamp older than 600 s") {
        CHECK(verify_http_auth(in, kKey, kSecret, kTimestamp + 601) == HttpAuthStatus::Expired);
        CHECK(verify_http_auth(in, kKey, kSecret, kTimestamp - 601) == HttpAuthStatus::Expired);
    }
    SECTION("another key") {
        CHECK(verify_http_auth(in, "other", kSecret, kTimestamp) == HttpAuthStatus::UnknownKey);
    }
    SECTION("another secret") {
        CHECK(verify_http_auth(in, kKey, "nope", kTimestamp) == HttpAuthStatus::BadSignature);
    }
    SECTION("a changed body") {
        HttpAuthInput changed = in;
        changed.body = R"({"name":"bar"})";
        CHECK(verify_http_auth(changed, kKey, kSecret, kTimestamp) == HttpAuthStatus::BadBodyMd5);
    }
    SECTION("another path or method") {
        HttpAuthInput other = in;
        other.path = "/apps/4/events";
        CHECK(verify_http_auth(other, kKey, kSecret, kTimestamp) == HttpAuthStatus::BadSignature);
        other = in;
        other.method = "PUT";
        CHECK(verify_http_auth(other, kKey, kSecret, kTimestamp) == HttpAuthStatus::BadSignature);
    }
    SECTION("a missing signature") {
        std::vector<QueryParam> less;
        REQUIRE(
            parse_query("auth_key=278d425bdf160c739803&auth_timestamp=1&auth_version=1.0", less));
        HttpAuthInput m{"GET", "/apps/3/channels", &less, {}};
        CHECK(verify_http_auth(m, kKey, kSecret, 1) == HttpAuthStatus::MissingParams);
    }
}

TEST_CASE("pusher http auth: query values are decoded and keys sorted before signing",
          "[codec][pusher]") {
    std::vector<QueryParam> params;
    REQUIRE(parse_query("info=user_count%2Csubscription_count&filter_by_prefix=presence-&A=b+c",
                        params));
    REQUIRE(params.size() == 3);
    CHECK(params[0].value == "user_count,subscription_count");
    CHECK(params[2].key == "a");
    CHECK(params[2].value == "b c");
    CHECK(http_string_to_sign("GET", "/apps/1/channels", params) ==
          "GET\n/apps/1/channels\na=b "
          "c&filter_by_prefix=presence-&info=user_count,subscription_count");
    std::string q = sign_http_query("GET", "/apps/1/channels", params, "k", "s", 100, "");
    std::vector<QueryParam> parsed;
    REQUIRE(parse_query(q, parsed));
    HttpAuthInput in{"GET", "/apps/1/channels", &parsed, {}};
    CHECK(verify_http_auth(in, "k", "s", 100) == HttpAuthStatus::Ok);
}

TEST_CASE("pusher http auth: malformed escapes and too many parameters are refused",
          "[codec][pusher]") {
    std::vector<QueryParam> params;
    CHECK_FALSE(parse_query("a=%zz", params));
    CHECK_FALSE(parse_query("a=%4", params));
    std::string many;
    for (int i = 0; i < 40; ++i)
        many += "k" + std::to_string(i) + "=v&";
    CHECK_FALSE(parse_query(many, params));
}
