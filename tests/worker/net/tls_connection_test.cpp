// SPDX-License-Identifier: MIT
// test-labels: unit worker net tls
// test-timeout: 90
// TLS on a real server: OpenSSL clients (and raw sockets that misbehave) against net::Server with
// a certificate from a throw-away CA. The HTTP and WebSocket behaviour underneath is the plain
// connection's, so these cases are about the layer: handshake, ALPN, records both ways (partial
// writes included), close_notify, failures, deadlines, the certificate reload.
#include <cstdio>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tests/support/test_certs.hpp"
#include "tests/worker/net/raw_client.hpp"
#include "tests/worker/net/server_fixture.hpp"

using namespace shoal;
using codec::WsOpcode;
using test::RawClient;

namespace {

struct ClientCtx {
    explicit ClientCtx(const std::string& ca_file) : ctx(SSL_CTX_new(TLS_client_method())) {
        SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    }
    ~ClientCtx() { SSL_CTX_free(ctx); }
    SSL_CTX* ctx;
};

common::Config tls_config(const test::TestCerts& certs, const std::string& name = "srv") {
    common::Config c = test::test_config();
    c.tls.cert_file = certs.path(name + ".pem");
    c.tls.key_file = certs.path(name + ".key");
    return c;
}

std::string peer_common_name(SSL* ssl) {
    X509* peer = SSL_get1_peer_certificate(ssl);
    if (!peer) return "";
    char cn[128] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
    X509_free(peer);
    return cn;
}

}  // namespace

TEST_CASE("TLS: requests and a WebSocket over TLS 1.3 with ALPN http/1.1", "[worker][net][tls]") {
    test::TestCerts certs;
    certs.issue("srv", "localhost");
    test::ServerThread srv(tls_config(certs));
    REQUIRE(srv.port() != 0);
    ClientCtx client(certs.ca_file());

    RawClient c(srv.port());
    REQUIRE(c.start_tls(client.ctx));
    CHECK(SSL_version(c.ssl()) == TLS1_3_VERSION);
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(c.ssl(), &alpn, &alpn_len);
    CHECK(std::string(reinterpret_cast<const char*>(alpn), alpn_len) == "http/1.1");
    REQUIRE(c.send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(c.read_response().rfind("HTTP/1.1 200 OK", 0) == 0);
    // Keep-alive: a second request on the same session.
    REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(c.read_response().find(R"({"path":"/hello")") != std::string::npos);

    RawClient ws(srv.port());
    REQUIRE(ws.start_tls(client.ctx));
    REQUIRE(ws.upgrade("/x"));
    REQUIRE(ws.send_frame(WsOpcode::Text, "over tls"));
    test::Frame f = ws.read_frame();
    CHECK(f.op == 1);
    CHECK(f.payload == "over tls");
    // 40 frames of 70,000 bytes: far more than one socket buffer, so most of it leaves through
    // partial writes and the pending ciphertext; every byte must arrive in order.
    REQUIRE(ws.send_frame(WsOpcode::Text, "flood 40 70000"));
    for (int i = 0; i < 40; ++i) {
        f = ws.read_frame();
        REQUIRE(f.op == 1);
        REQUIRE(f.payload == std::string(70000, 'f'));
    }
    // A client message in many TLS records and WebSocket fragments.
    std::string big(50000, 'b');
    REQUIRE(ws.send_frame(WsOpcode::Text, big.substr(0, 20000), false));
    REQUIRE(ws.send_frame(WsOpcode::Continuation, big.substr(20000), true));
    CHECK(ws.read_frame().payload.size() == 50000);
}

TEST_CASE("TLS: ALPN: none offered is served, only other protocols get a fatal alert",
          "[worker][net][tls]") {
    test::TestCerts certs;
    certs.issue("srv", "localhost");
    test::ServerThread srv(tls_config(certs));
    ClientCtx client(certs.ca_file());

    RawClient none(srv.port());
    REQUIRE(none.start_tls(client.ctx, ""));
    REQUIRE(none.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(none.read_response().rfind("HTTP/1.1 200 OK", 0) == 0);

    RawClient h2(srv.port());
    REQUIRE_FALSE(h2.start_tls(client.ctx, "h2"));
    CHECK(h2.tls_error.find("no application protocol") != std::string::npos);

    // Any SNI is answered with the one certificate (which then fails the client's check).
    RawClient other(srv.port());
    REQUIRE_FALSE(other.start_tls(client.ctx, "http/1.1", "other.example"));
    CHECK(other.tls_error == "certificate verify failed");

    RawClient after(srv.port());
    REQUIRE(after.start_tls(client.ctx));
}

TEST_CASE("TLS: bytes that are no ClientHello close the connection; the server serves on",
          "[worker][net][tls]") {
    test::TestCerts certs;
    certs.issue("srv", "localhost");
    test::ServerThread srv(tls_config(certs));
    ClientCtx client(certs.ca_file());

    const std::string garbage[] = {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",  // plain HTTP on the TLS port
        std::string("\x16\x03\x01\xff\xff", 5) + std::string(300, 'z'),  // a lying record length
        std::string(2000, '\0'),
        std::string("\x80\x2e\x01\x00\x02", 5) + std::string(43, 'A'),  // an SSLv2 hello
    };
    for (const std::string& bytes : garbage) {
        RawClient c(srv.port());
        REQUIRE(c.send(bytes));
        CHECK(c.wait_eof());
    }
    RawClient good(srv.port());
    REQUIRE(good.start_tls(client.ctx));
    REQUIRE(good.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(good.read_response().rfind("HTTP/1.1 200 OK", 0) == 0);
    srv.stop();
    CHECK(srv.stats().protocol_errors >= 4);
}

TEST_CASE("TLS: a handshake that stalls is closed at the request deadline", "[worker][net][tls]") {
    test::TestCerts certs;
    certs.issue("srv", "localhost");
    common::Config config = tls_config(certs);
    config.limits.handshake_timeout_ms = 200;
    test::ServerThread srv(config);

    RawClient silent(srv.port());
    CHECK(silent.wait_eof());
    RawClient partial(srv.port());  // the first bytes of a ClientHello, then nothing
    REQUIRE(partial.send(std::string("\x16\x03\x01\x02\x00\x01\x00", 7)));
    CHECK(partial.wait_eof());
}

TEST_CASE("TLS: closes send close_notify after the close frame or the last response",
          "[worker][net][tls]") {
    test::TestCerts certs;
    certs.issue("srv", "localhost");
    test::ServerThread srv(tls_config(certs));
    ClientCtx client(certs.ca_file());

    RawClient ws(srv.port());
    REQUIRE(ws.start_tls(client.ctx));
    REQUIRE(ws.upgrade("/x"));
    REQUIRE(ws.send_frame(WsOpcode::Text, "close 4321"));
    CHECK(ws.read_until_close() == 4321);
    CHECK(ws.wait_eof());
    CHECK((SSL_get_shutdown(ws.ssl()) & SSL_RECEIVED_SHUTDOWN) != 0);

    RawClient http(srv.port());
    REQUIRE(http.start_tls(client.ctx));
    REQUIRE(http.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    CHECK(http.read_response().rfind("HTTP/1.1 200 OK", 0) == 0);
    CHECK(http.wait_eof());
    CHECK((SSL_get_shutdown(http.ssl()) & SSL_RECEIVED_SHUTDOWN) != 0);
}

TEST_CASE("TLS: over capacity, the 503 is sent once the handshake is done", "[worker][net][tls]") {
    test::TestCerts certs;
    certs.issue("srv", "localhost");
    common::Config config = tls_config(certs);
    config.limits.max_connections = 1;
    test::ServerThread srv(config);
    ClientCtx client(certs.ca_file());

    RawClient first(srv.port());
    REQUIRE(first.start_tls(client.ctx));
    REQUIRE(first.upgrade("/x"));
    RawClient second(srv.port());
    REQUIRE(second.start_tls(client.ctx));
    CHECK(second.read_response().rfind("HTTP/1.1 503 ", 0) == 0);
    CHECK(second.wait_eof());
}

TEST_CASE("TLS: reload_tls: new handshakes get the new certificate, open connections go on",
          "[worker][net][tls]") {
    test::TestCerts certs;
    certs.issue("srv", "before.example");
    certs.issue("next", "after.example", 3);
    test::ServerThread srv(tls_config(certs));
    ClientCtx client(certs.ca_file());

    RawClient old(srv.port());
    REQUIRE(old.start_tls(client.ctx));
    REQUIRE(old.upgrade("/x"));
    CHECK(peer_common_name(old.ssl()) == "before.example");

    // Replaced the way a certificate renewal replaces them: rename over the old files.
    std::filesystem::rename(certs.path("next.pem"), certs.path("srv.pem"));
    std::filesystem::rename(certs.path("next.key"), certs.path("srv.key"));
    bool reloaded = false;
    srv.on_loop([&](net::Server& s) { reloaded = s.reload_tls().ok(); });
    REQUIRE(reloaded);

    RawClient fresh(srv.port());
    REQUIRE(fresh.start_tls(client.ctx));
    CHECK(peer_common_name(fresh.ssl()) == "after.example");
    REQUIRE(old.send_frame(WsOpcode::Text, "still here"));
    CHECK(old.read_frame().payload == "still here");

    // A broken replacement is refused and the working certificate stays.
    certs.write_file("srv.key", "broken\n");
    common::Result<void> failed;
    srv.on_loop([&](net::Server& s) { failed = s.reload_tls(); });
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().message().find("--tls-key") != std::string::npos);
    RawClient third(srv.port());
    REQUIRE(third.start_tls(client.ctx));
    CHECK(peer_common_name(third.ssl()) == "after.example");
}

TEST_CASE("TLS: a certificate that cannot be loaded fails start() with a config error",
          "[worker][net][tls]") {
    test::TestCerts certs;
    certs.issue("srv", "localhost");
    common::Config config = tls_config(certs);
    config.tls.key_file = certs.path("missing.key");
    test::ServerThread srv(config);
    CHECK(srv.port() == 0);
}
