// SPDX-License-Identifier: MIT
// The TLS side of a Connection (docs/tls.md): ciphertext read from the socket goes through the
// session and the plaintext through the same dispatch as a plain connection's bytes, so HTTP,
// WebSocket, their limits and deadlines are unchanged (a handshake that stalls meets the request
// deadline). Writes encrypt queued frames in records of up to 16 KiB into the server's scratch and
// hand that to the socket; only what the kernel does not take is copied into the connection's
// pending ciphertext, and no more is encrypted until it is gone, so the bytes a connection
// holds stay bounded by its send queue plus one batch.
#include <sys/uio.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/log.hpp"
#include "worker/net/connection.hpp"
#include "worker/net/server.hpp"

namespace shoal::net {
namespace {

// Plaintext encrypted per flush before the socket is tried: four full records.
constexpr std::size_t kBatchBytes = 4 * TlsSession::kRecordBytes;

}  // namespace

void Connection::on_tls_bytes(const char* data, std::size_t len) {
    TlsSession& t = tls();
    bool established = t.handshake_done();
    t.feed(data, len);
    char* plain = server_.tls_plain_.get();
    for (;;) {
        server_.tls_out_.clear();
        std::size_t got = 0;
        const TlsStep step = t.read(plain, Server::kReadBufferBytes, got);
        push_tls_output();
        if (state_ == ConnState::Closed) return;
        if (!established && t.handshake_done()) {
            established = true;
            if (!queue_.empty()) mark_dirty();  // an answer queued before (503 over capacity)
        }
        switch (step) {
            case TlsStep::Data:
                dispatch(plain, got);
                if (state_ == ConnState::Closed) return;
                break;
            case TlsStep::NeedInput:
                return;
            case TlsStep::PeerClosed:
                on_input_end(UV_EOF);
                return;
            case TlsStep::Failed:
                fail_tls();
                return;
        }
    }
}

void Connection::fail_tls() {
    server_.counters_.add(common::Counter::ProtocolErrors);
    char text[160];
    std::snprintf(text, sizeof text, "%s: %s",
                  codec::answer(codec::ProtocolError::TlsHandshakeFailed).text, tls().failure());
    server_.log_peer(id_, text);
    // The alert OpenSSL chose went to the socket with push_tls_output, if the kernel took it.
    destroy();
}

// Hands the scratch's ciphertext to the socket: at once when nothing is ahead of it, else
// behind the connection's pending bytes (order is the stream).
void Connection::push_tls_output() {
    std::string& out = server_.tls_out_;
    if (out.empty() || state_ == ConnState::Closed) return;
    TlsSession& t = tls();
    if (write_blocked_ || !t.pending.empty() || write_error_) {
        if (!write_error_) t.pending.append(out);
        out.clear();
        return;
    }
    const iovec buf{out.data(), out.size()};
    const ssize_t r = send_bufs(&buf, 1);
    if (r < 0) {
        out.clear();
        return;
    }
    if (static_cast<std::size_t>(r) < out.size()) {
        t.pending.assign(out, static_cast<std::size_t>(r));
        write_blocked_ = true;
        watch();
    }
    out.clear();
}

// The pending ciphertext, from where the socket stopped taking it.
void Connection::write_pending_tls() {
    TlsSession& t = tls();
    const iovec buf{t.pending.data() + t.pending_sent, t.pending.size() - t.pending_sent};
    const ssize_t r = send_bufs(&buf, 1);
    if (r < 0) return;
    t.pending_sent += static_cast<std::size_t>(r);
    if (t.pending_sent < t.pending.size()) {
        write_blocked_ = true;
        watch();
        return;
    }
    // A backlog's buffer goes back to the heap, so an idle TLS connection keeps none.
    std::string().swap(t.pending);
    t.pending_sent = 0;
}

void Connection::write_now_tls() {
    if (write_blocked_ || state_ == ConnState::Closed || write_error_) return;
    TlsSession& t = tls();
    if (!t.pending.empty()) {
        write_pending_tls();
        if (!t.pending.empty() || write_error_) return;
    }
    // Nothing can be encrypted before the handshake; the queue waits for it.
    if (!t.handshake_done()) return;
    char* gather = server_.tls_gather_.get();
    while (!queue_.empty() && !write_blocked_ && !write_error_) {
        server_.tls_out_.clear();
        std::size_t batch = 0;
        bool failed = false;
        while (!queue_.empty() && batch < kBatchBytes && !failed) {
            // A head of a full record or more is encrypted where it lies; smaller frames are
            // gathered into one record (one MAC and 22-29 bytes of overhead per record).
            std::string_view head = queue_.pending(0);
            std::size_t n = 0;
            if (head.size() >= TlsSession::kRecordBytes) {
                n = TlsSession::kRecordBytes;
                failed = !t.write(head.data(), n);
            } else {
                for (std::size_t i = 0; i < queue_.size() && n < TlsSession::kRecordBytes; ++i) {
                    const std::string_view p = queue_.pending(i);
                    const std::size_t take = std::min(p.size(), TlsSession::kRecordBytes - n);
                    std::memcpy(gather + n, p.data(), take);
                    n += take;
                }
                failed = !t.write(gather, n);
            }
            queue_.consume(n);
            batch += n;
        }
        if (failed) {
            server_.log_peer(id_, t.failure());
            write_error_ = true;
            server_.tls_out_.clear();
            begin_closing();
            mark_dirty();
            return;
        }
        push_tls_output();
    }
}

// Closing: our close_notify goes out before the half-close. False while the socket has not
// taken all of it.
bool Connection::send_close_notify() {
    TlsSession& t = tls();
    server_.tls_out_.clear();
    t.shutdown();
    push_tls_output();
    return !write_blocked_ && t.pending.empty();
}

}  // namespace shoal::net
