// SPDX-License-Identifier: MIT
// The TLS context from --tls-cert/--tls-key: what loads, and the message of each way it cannot.
#include "common/tls_server_context.hpp"

#include <catch2/catch.hpp>
#include <openssl/ssl.h>

#include "tests/support/test_certs.hpp"

using namespace shoal;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("tls_server_context: a matching chain and key load, TLS 1.2 at least", "[common][tls]") {
    test::TestCerts certs;
    certs.issue("srv", "localhost");
    auto ctx = common::make_tls_server_context(certs.path("srv.pem"), certs.path("srv.key"));
    REQUIRE(ctx.ok());
    CHECK(SSL_CTX_get_min_proto_version(ctx->get()) == TLS1_2_VERSION);
    // The leaf and its chain (the CA) are both there.
    STACK_OF(X509)* chain = nullptr;
    REQUIRE(SSL_CTX_get0_chain_certs(ctx->get(), &chain) == 1);
    CHECK(sk_X509_num(chain) == 1);
    CHECK(contains(common::describe_certificate(ctx->get()), "CN=localhost, expires "));
}

TEST_CASE("tls_server_context: each bad input is a config error naming the flag and the file",
          "[common][tls]") {
    test::TestCerts certs;
    certs.issue("a", "a.example");
    certs.issue("b", "b.example");
    certs.write_file("junk.pem", "not a certificate\n");

    SECTION("a certificate path that does not exist") {
        auto r = common::make_tls_server_context(certs.path("nope.pem"), certs.path("a.key"));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == common::Errc::Config);
        CHECK(r.error().message() ==
              "cannot read --tls-cert " + certs.path("nope.pem") + ": No such file or directory");
    }
    SECTION("a key path that does not exist") {
        auto r = common::make_tls_server_context(certs.path("a.pem"), certs.path("nope.key"));
        REQUIRE_FALSE(r.ok());
        CHECK(contains(r.error().message(), "cannot read --tls-key " + certs.path("nope.key")));
    }
    SECTION("a file that holds no certificate") {
        auto r = common::make_tls_server_context(certs.path("junk.pem"), certs.path("a.key"));
        REQUIRE_FALSE(r.ok());
        CHECK(contains(r.error().message(), "--tls-cert " + certs.path("junk.pem") +
                                                " holds no usable PEM certificate chain"));
    }
    SECTION("a certificate given as the key") {
        auto r = common::make_tls_server_context(certs.path("a.pem"), certs.path("a.pem"));
        REQUIRE_FALSE(r.ok());
        CHECK(contains(r.error().message(), "holds no usable PEM private key"));
    }
    SECTION("a key that belongs to another certificate") {
        auto r = common::make_tls_server_context(certs.path("a.pem"), certs.path("b.key"));
        REQUIRE_FALSE(r.ok());
        CHECK(contains(r.error().message(), "--tls-key " + certs.path("b.key") +
                                                " does not match the certificate in --tls-cert " +
                                                certs.path("a.pem")));
    }
}
