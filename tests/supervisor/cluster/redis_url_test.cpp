// SPDX-License-Identifier: MIT
// test-labels: unit supervisor cluster
#include "supervisor/cluster/redis_url.hpp"

#include <catch2/catch.hpp>

using namespace shoal::cluster;

TEST_CASE("redis url: host, port and db are read, with 6379 and db 0 by default",
          "[supervisor][cluster]") {
    auto a = parse_redis_url("redis://10.0.0.5:6380/2");
    REQUIRE(a.ok());
    CHECK(a->host == "10.0.0.5");
    CHECK(a->port == 6380);
    CHECK(a->db == 2);
    auto b = parse_redis_url("redis://cache.local");
    REQUIRE(b.ok());
    CHECK(b->host == "cache.local");
    CHECK(b->port == 6379);
    CHECK(b->db == 0);
    auto c = parse_redis_url("redis://127.0.0.1:7000/");
    REQUIRE(c.ok());
    CHECK(c->db == 0);
}

TEST_CASE("redis url: anything else is a config error naming --cluster", "[supervisor][cluster]") {
    for (const char* bad :
         {"", "127.0.0.1:6379", "http://h:1", "redis://", "redis://:6379", "redis://h:0",
          "redis://h:99999", "redis://h:x", "redis://h:1/db", "redis://user@h:1", "redis://:@h:1",
          "redis://:p%4@h", "redis://:p%zz@h", "redis://a@b@h"}) {
        auto r = parse_redis_url(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message().find("--cluster") != std::string::npos);
    }
}

TEST_CASE("redis url: credentials are percent-decoded, and redacted for logs and workers",
          "[supervisor][cluster]") {
    auto a = parse_redis_url("redis://:s3cret@10.0.0.5:6380/2");
    REQUIRE(a.ok());
    CHECK(a->username.empty());
    CHECK(a->password == "s3cret");
    CHECK(a->host == "10.0.0.5");
    CHECK(a->port == 6380);
    CHECK(a->db == 2);
    // Redis 6 ACL user; ':', '@' and '/' in a password are written %3A, %40, %2F.
    auto b = parse_redis_url("redis://shoal:p%3Aw%40d%2F1@cache.local");
    REQUIRE(b.ok());
    CHECK(b->username == "shoal");
    CHECK(b->password == "p:w@d/1");
    CHECK(b->host == "cache.local");
    CHECK(b->port == 6379);

    CHECK(redact_redis_url("redis://shoal:p%3Aw@cache.local:6379/1") ==
          "redis://cache.local:6379/1");
    CHECK(redact_redis_url("redis://h:1/0") == "redis://h:1/0");
    auto bad = parse_redis_url("redis://:secret@h:x");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message().find("secret") == std::string::npos);
}
