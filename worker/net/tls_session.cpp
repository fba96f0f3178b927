// SPDX-License-Identifier: MIT
// The BIO under each SSL is our own rather than a BIO_s_mem pair: a memory BIO keeps a buffer per
// connection (grown to the largest read, then kept), where this one reads the server's shared
// read buffer in place and writes into the caller's string.
#include "worker/net/tls_session.hpp"

#include <cstring>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace shoal::net {

struct TlsBio {
    static TlsSession* session(BIO* b) { return static_cast<TlsSession*>(BIO_get_data(b)); }

    static int read(BIO* b, char* buf, int len) {
        TlsSession* s = session(b);
        BIO_clear_retry_flags(b);
        if (s->in_len_ == 0) {
            BIO_set_retry_read(b);  // no more input for now: SSL_ERROR_WANT_READ
            return -1;
        }
        const std::size_t n =
            s->in_len_ < static_cast<std::size_t>(len) ? s->in_len_ : static_cast<std::size_t>(len);
        std::memcpy(buf, s->in_, n);
        s->in_ += n;
        s->in_len_ -= n;
        return static_cast<int>(n);
    }

    static int write(BIO* b, const char* buf, int len) {
        BIO_clear_retry_flags(b);
        session(b)->out_.append(buf, static_cast<std::size_t>(len));
        return len;
    }

    static long ctrl(BIO*, int cmd, long, void*) {
        // FLUSH must succeed (OpenSSL flushes after each handshake flight); the rest is unknown.
        return cmd == BIO_CTRL_FLUSH ? 1 : 0;
    }

    static int create(BIO* b) {
        BIO_set_init(b, 1);
        return 1;
    }

    static BIO_METHOD* method() {
        // One method table for the process, made on first use (a worker is single-threaded).
        static BIO_METHOD* m = [] {
            BIO_METHOD* bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "shoal");
            BIO_meth_set_read(bm, read);
            BIO_meth_set_write(bm, write);
            BIO_meth_set_ctrl(bm, ctrl);
            BIO_meth_set_create(bm, create);
            return bm;
        }();
        return m;
    }
};

TlsSession::TlsSession(ssl_ctx_st* ctx, std::string& out) : out_(out) {
    ssl_ = SSL_new(ctx);
    if (!ssl_) return;
    BIO* bio = BIO_new(TlsBio::method());
    if (!bio) {
        SSL_free(ssl_);
        ssl_ = nullptr;
        return;
    }
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);  // one BIO both ways: the SSL takes its one reference
    SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() {
    SSL_free(ssl_);
}

bool TlsSession::handshake_done() const noexcept {
    return SSL_is_init_finished(ssl_) == 1;
}

TlsStep TlsSession::read(char* buf, std::size_t cap, std::size_t& got) noexcept {
    got = 0;
    // SSL_get_error reads the thread's error queue: it must be empty before each call.
    ERR_clear_error();
    const int n = SSL_read(ssl_, buf, static_cast<int>(cap));
    if (n > 0) {
        got = static_cast<std::size_t>(n);
        return TlsStep::Data;
    }
    switch (SSL_get_error(ssl_, n)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:  // never: the BIO takes every write
            return TlsStep::NeedInput;
        case SSL_ERROR_ZERO_RETURN:
            return TlsStep::PeerClosed;
        default: {
            const unsigned long e = ERR_peek_last_error();
            const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
            failure_ = reason ? reason : "connection error";
            ERR_clear_error();
            shut_ = true;  // no close_notify after a fatal error
            return TlsStep::Failed;
        }
    }
}

bool TlsSession::write(const char* data, std::size_t len) noexcept {
    ERR_clear_error();
    const int n = SSL_write(ssl_, data, static_cast<int>(len));
    if (n == static_cast<int>(len)) return true;
    const unsigned long e = ERR_peek_last_error();
    const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
    failure_ = reason ? reason : "write error";
    ERR_clear_error();
    return false;
}

void TlsSession::shutdown() noexcept {
    if (shut_ || !handshake_done()) return;
    shut_ = true;
    ERR_clear_error();
    SSL_shutdown(ssl_);  // our close_notify; the peer's is not awaited (the socket closes next)
    ERR_clear_error();
}

}  // namespace shoal::net
