// SPDX-License-Identifier: MIT
// Reading the PEM files, checking the pair, and the context's fixed settings.
#include "common/tls_server_context.hpp"

#include <cerrno>
#include <cstdio>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace shoal::common {
namespace {

constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

Error config_error(std::string text) {
    return Error{Errc::Config, 0, std::move(text)};
}

// The reason of the last OpenSSL error ("no start line", "key values mismatch"), queue cleared.
std::string openssl_reason() {
    const unsigned long e = ERR_peek_last_error();
    const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
    ERR_clear_error();
    return reason ? reason : "unknown OpenSSL error";
}

// errno of opening the file for reading (0: readable), so a wrong path reads as one.
int open_errno(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return errno;
    std::fclose(f);
    return 0;
}

// The client's ALPN list must name http/1.1 when it sends one (RFC 7301 3.2: otherwise a fatal
// no_application_protocol alert). A client that sends no ALPN is served HTTP/1.1 all the same.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, outlen, kAlpnHttp11, sizeof kAlpnHttp11, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

// An encrypted key must fail to load, not stop a server to prompt on its terminal.
int no_passphrase(char*, int, int, void*) {
    return 0;
}

}  // namespace

void SslCtxFree::operator()(ssl_ctx_st* ctx) const noexcept {
    SSL_CTX_free(ctx);
}

Result<SslCtxPtr> make_tls_server_context(const std::string& cert_file,
                                          const std::string& key_file) {
    ERR_clear_error();
    if (int e = open_errno(cert_file); e != 0)
        return Error{Errc::Config, e, "cannot read --tls-cert " + cert_file};
    if (int e = open_errno(key_file); e != 0)
        return Error{Errc::Config, e, "cannot read --tls-key " + key_file};
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) return config_error("SSL_CTX_new() failed: " + openssl_reason());
    SSL_CTX* c = ctx.get();
    SSL_CTX_set_default_passwd_cb(c, no_passphrase);
    if (SSL_CTX_use_certificate_chain_file(c, cert_file.c_str()) != 1)
        return config_error("--tls-cert " + cert_file +
                            " holds no usable PEM certificate chain: " + openssl_reason());
    // Read apart from installing it, so "not a key" and "not this certificate's key" differ.
    EVP_PKEY* key = nullptr;
    if (BIO* b = BIO_new_file(key_file.c_str(), "r")) {
        key = PEM_read_bio_PrivateKey(b, nullptr, no_passphrase, nullptr);
        BIO_free(b);
    }
    if (!key)
        return config_error(
            "--tls-key " + key_file +
            " holds no usable PEM private key (encrypted keys are not read): " + openssl_reason());
    const bool installed = SSL_CTX_use_PrivateKey(c, key) == 1;
    EVP_PKEY_free(key);
    if (!installed || SSL_CTX_check_private_key(c) != 1)
        return config_error("--tls-key " + key_file + " does not match the certificate in " +
                            "--tls-cert " + cert_file + ": " + openssl_reason());
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_options(
        c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    // Idle connections give their 34 KiB of record buffers back; the connection layer writes
    // through its own BIO, so a record is never left half-written (no partial-write mode).
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(c, select_alpn, nullptr);
    // One TLS 1.3 ticket (two by default): each costs an encryption and ~250 bytes per handshake.
    SSL_CTX_set_num_tickets(c, 1);
    return ctx;
}

std::string describe_certificate(ssl_ctx_st* ctx) {
    X509* leaf = SSL_CTX_get0_certificate(ctx);
    if (!leaf) return "no certificate";
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof subject);
    std::string out = subject;
    BIO* b = BIO_new(BIO_s_mem());
    if (b && ASN1_TIME_print(b, X509_get0_notAfter(leaf)) == 1) {
        char when[64] = {};
        const int n = BIO_read(b, when, sizeof when - 1);
        if (n > 0) out += ", expires " + std::string(when, static_cast<std::size_t>(n));
    }
    BIO_free(b);
    return out;
}

}  // namespace shoal::common
