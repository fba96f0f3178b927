// SPDX-License-Identifier: MIT
// Blocking raw-socket client for the transport tests: exact bytes out, frames and responses in,
// every read bounded by a timeout so a broken server fails a test instead of hanging it. After
// start_tls() the same calls go through an OpenSSL client session on the socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "worker/codec/ws_frame_encoder.hpp"

namespace shoal::test {

struct Frame {
    int op = -1;  // -1: timeout, -2: EOF
    std::string payload;
    bool rsv1 = false;  // permessage-deflate: the payload is compressed
    std::uint16_t close_code() const {
        if (payload.size() < 2) return 1005;
        return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                          static_cast<unsigned char>(payload[1]));
    }
};

class RawClient {
  public:
    explicit RawClient(std::uint16_t port, int timeout_ms = 3000) : timeout_ms_(timeout_ms) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    }
    ~RawClient() {
        if (ssl_) SSL_free(ssl_);
        if (fd_ >= 0) ::close(fd_);
    }

    // A TLS client handshake over the connected socket, verifying the server against ctx's
    // trust store for `host`; alpn empty: none offered. False (and tls_error() says why) when
    // the handshake fails or stalls past the timeout.
    bool start_tls(SSL_CTX* ctx, const std::string& alpn = "http/1.1",
                   const std::string& host = "localhost") {
        // OpenSSL writes with write(2): a server that has hung up must not kill the test.
        std::signal(SIGPIPE, SIG_IGN);
        timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssl_ = SSL_new(ctx);
        SSL_set_fd(ssl_, fd_);
        SSL_set_tlsext_host_name(ssl_, host.c_str());
        SSL_set1_host(ssl_, host.c_str());
        if (!alpn.empty()) {
            std::string wire(1, static_cast<char>(alpn.size()));
            wire += alpn;
            SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size()));
        }
        ERR_clear_error();
        if (SSL_connect(ssl_) == 1) return true;
        const unsigned long e = ERR_peek_last_error();
        tls_error = e ? ERR_reason_error_string(e) : "handshake did not complete";
        ERR_clear_error();
        return false;
    }
    SSL* ssl() const { return ssl_; }
    std::string tls_error;
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return connected_; }
    void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
    void set_recv_buffer(int bytes) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    }

    bool send(const std::string& bytes) {
        if (ssl_) return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) > 0;
        std::size_t at = 0;
        while (at < bytes.size()) {
            const ssize_t n = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
            if (n <= 0) return false;
            at += static_cast<std::size_t>(n);
        }
        return true;
    }
    bool send_frame(codec::WsOpcode op, std::string_view payload, bool fin = true,
                    std::uint8_t rsv = 0) {
        return send(codec::encode_client_frame(op, payload, 0xa1b2c3d4, fin, rsv));
    }

    // Reads exactly n bytes; false on timeout or EOF (eof() tells which).
    bool read_exact(char* out, std::size_t n) {
        std::size_t at = 0;
        while (at < n) {
            pollfd p{fd_, POLLIN, 0};
            if (!(ssl_ && SSL_pending(ssl_) > 0) && ::poll(&p, 1, timeout_ms_) <= 0) return false;
            const ssize_t r = receive(out + at, n - at);
            if (r <= 0) {
                eof_ = true;
                return false;
            }
            at += static_cast<std::size_t>(r);
        }
        return true;
    }
    bool eof() const { return eof_; }

    // An HTTP response head (through the blank line), read byte by byte so nothing after it is
    // consumed; then its body by Content-Length.
    std::string read_response() {
        std::string head;
        char c;
        while (head.size() < 16384 && read_exact(&c, 1)) {
            head += c;
            if (head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0) break;
        }
        const auto cl = head.find("Content-Length: ");
        if (cl != std::string::npos) {
            std::string body(std::stoul(head.substr(cl + 16)), '\0');
            if (!body.empty() && read_exact(body.data(), body.size())) head += body;
        }
        return head;
    }

    // One line through its CRLF (without it); false on timeout or EOF.
    bool read_line(std::string& line) {
        line.clear();
        char c;
        while (line.size() < 16384 && read_exact(&c, 1)) {
            if (c == '\n' && !line.empty() && line.back() == '\r') {
                line.pop_back();
                return true;
            }
            line += c;
        }
        return false;
    }

    // The chunks of a chunked body, decoded, through the last chunk (true) or until a timeout or
    // EOF cuts it (false). Each chunk is one element.
    bool read_chunks(std::vector<std::string>& chunks) {
        std::string line;
        while (read_line(line)) {
            const std::size_t size = std::stoul(line, nullptr, 16);
            std::string data(size + 2, '\0');
            if (!read_exact(data.data(), data.size())) return false;
            if (data.substr(size) != "\r\n") return false;
            if (size == 0) return true;
            chunks.push_back(data.substr(0, size));
        }
        return false;
    }

    Frame read_frame() {
        Frame f;
        unsigned char h[2];
        if (!read_exact(reinterpret_cast<char*>(h), 2)) {
            f.op = eof_ ? -2 : -1;
            return f;
        }
        std::uint64_t len = h[1] & 0x7F;
        if (len >= 126) {
            unsigned char ext[8];
            const std::size_t n = len == 126 ? 2 : 8;
            if (!read_exact(reinterpret_cast<char*>(ext), n)) return f;
            len = 0;
            for (std::size_t i = 0; i < n; ++i)
                len = (len << 8) | ext[i];
        }
        f.payload.resize(len);
        if (len > 0 && !read_exact(f.payload.data(), len)) return f;
        f.op = h[0] & 0x0F;
        f.rsv1 = (h[0] & 0x40) != 0;
        return f;
    }

    // Reads frames until a close frame (its code), EOF (-2) or a timeout (-1).
    int read_until_close(std::size_t* data_frames = nullptr) {
        for (;;) {
            const Frame f = read_frame();
            if (f.op < 0) return f.op;
            if (f.op == 0x8) return f.close_code();
            if (data_frames) ++*data_frames;
        }
    }

    // True when the server hangs up (EOF) within the timeout.
    bool wait_eof() {
        char buf[4096];
        for (;;) {
            pollfd p{fd_, POLLIN, 0};
            if (!(ssl_ && SSL_pending(ssl_) > 0) && ::poll(&p, 1, timeout_ms_) <= 0) return false;
            const ssize_t r = receive(buf, sizeof(buf));
            if (r <= 0) return true;
        }
    }

    // Performs the opening handshake; true on 101.
    // extra_headers: complete header lines ("Sec-WebSocket-Extensions: ...\r\n").
    bool upgrade(const std::string& path = "/app/key", const std::string& version = "13",
                 const std::string& extra_headers = "") {
        last_response = "";
        if (!send("GET " + path +
                  " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: " +
                  version + "\r\n" + extra_headers + "\r\n"))
            return false;
        last_response = read_response();
        return last_response.rfind("HTTP/1.1 101 ", 0) == 0 &&
               last_response.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos;
    }

    std::string last_response;

  private:
    ssize_t receive(char* out, std::size_t n) {
        if (!ssl_) return ::recv(fd_, out, n, 0);
        ERR_clear_error();
        return SSL_read(ssl_, out, static_cast<int>(n));
    }

    SSL* ssl_ = nullptr;
    int fd_ = -1;
    int timeout_ms_;
    bool connected_ = false;
    bool eof_ = false;
};

}  // namespace shoal::test
