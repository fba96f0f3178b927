// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib
// Pusher signatures against the published Pusher examples (also recomputed with Node's crypto).
#include "bench/loadgen/pusher_sign.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "bench/loadgen/api_publisher.hpp"

using namespace shoal::loadgen;

namespace {
const AppCredentials kDocsApp{"3", "278d425bdf160c739803", "7ad3773142a6692b25b8"};
const std::string kDocsBody =
    R"({"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"})";
}  // namespace

TEST_CASE("pusher_sign: body_md5 is the lower-case hex MD5 of the body", "[bench][pusher_sign]") {
    REQUIRE(md5_hex(kDocsBody) == "ec365a775a4cd0599faeb73354201b6f");
    REQUIRE(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_CASE("pusher_sign: a signed query sorts its keys and signs METHOD, path and query",
          "[bench][pusher_sign]") {
    const std::string q = signed_query(kDocsApp, "POST", "/apps/3/events", kDocsBody, 1353088179);
    REQUIRE(q ==
            "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0"
            "&body_md5=ec365a775a4cd0599faeb73354201b6f"
            "&auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
}

TEST_CASE("pusher_sign: a different body or secret changes the signature", "[bench][pusher_sign]") {
    const std::string base = signed_query(kDocsApp, "POST", "/apps/3/events", kDocsBody, 1);
    REQUIRE(signed_query(kDocsApp, "POST", "/apps/3/events", R"({"name":"bar"})", 1) != base);
    const AppCredentials other{kDocsApp.id, kDocsApp.key, "x"};
    REQUIRE(signed_query(other, "POST", "/apps/3/events", kDocsBody, 1) != base);
}

TEST_CASE("pusher_sign: private channel auth is key:hmac(socket_id:channel)",
          "[bench][pusher_sign]") {
    REQUIRE(private_channel_auth(kDocsApp, "1234.1234", "private-foobar") ==
            "278d425bdf160c739803:"
            "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
}

TEST_CASE("pusher_sign: a batch_events POST carries the signed query and an exact length",
          "[bench][pusher_sign]") {
    LoadOptions o;
    o.app = kDocsApp;
    // host and port keep their defaults, 127.0.0.1:6001.
    std::string req;
    build_signed_post(req, o, "/apps/3/batch_events", "{\"batch\":[]}", 42);
    REQUIRE(req.rfind("POST /apps/3/batch_events?auth_key=278d425bdf160c739803&auth_timestamp=42&",
                      0) == 0);
    REQUIRE(req.find(" HTTP/1.1\r\nHost: 127.0.0.1:6001\r\n") != std::string::npos);
    REQUIRE(req.find("\r\nContent-Length: 12\r\n\r\n{\"batch\":[]}") != std::string::npos);
    REQUIRE(req.size() == req.find("\r\n\r\n") + 4 + 12);
}
