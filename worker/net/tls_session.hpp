// SPDX-License-Identifier: MIT
// One connection's TLS state over memory, so the connection keeps owning the socket: ciphertext
// it reads is fed in (the BIO reads it straight from the server's read buffer, never copied into a
// BIO of its own), and every byte OpenSSL wants sent lands in one string the caller names (the
// server's scratch, so a write that the kernel takes whole allocates nothing). Only what the
// socket did not take is kept per connection (pending). Exists only for
// connections accepted on the TLS port.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct ssl_st;
struct ssl_ctx_st;

namespace shoal::net {

enum class TlsStep : std::uint8_t {
    Data,        // plaintext was produced
    NeedInput,   // everything fed was consumed; wait for the next read
    PeerClosed,  // close_notify from the peer
    Failed,      // handshake or record error: the connection must go (the alert is in out)
};

class TlsSession {
  public:
    // Plaintext per record written: TLS's largest record.
    static constexpr std::size_t kRecordBytes = 16 * 1024;

    TlsSession(ssl_ctx_st* ctx, std::string& out);
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    bool ok() const noexcept { return ssl_ != nullptr; }
    bool handshake_done() const noexcept;

    // Ciphertext just read; it must stay valid until read() returns NeedInput.
    void feed(const char* data, std::size_t len) noexcept {
        in_ = data;
        in_len_ = len;
    }
    // Runs the handshake as far as the input allows, then decrypts into buf. Ciphertext to
    // send (handshake messages, tickets, alerts) is appended to out.
    TlsStep read(char* buf, std::size_t cap, std::size_t& got) noexcept;
    // Encrypts len <= kRecordBytes bytes as one record into out; false on an error.
    bool write(const char* data, std::size_t len) noexcept;
    // Appends close_notify to out, once, and only after a completed handshake.
    void shutdown() noexcept;
    // The last failure's OpenSSL reason (for the peer-error log line).
    const char* failure() const noexcept { return failure_; }

    // Ciphertext the socket has not taken yet; the first pending_sent bytes of it went out.
    std::string pending;
    std::size_t pending_sent = 0;

  private:
    friend struct TlsBio;
    ssl_st* ssl_ = nullptr;
    const char* in_ = nullptr;
    std::size_t in_len_ = 0;
    std::string& out_;
    const char* failure_ = "";
    bool shut_ = false;
};

}  // namespace shoal::net
