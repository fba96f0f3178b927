// SPDX-License-Identifier: MIT
// Subscriber: the client state machine. Reads go into the run's shared buffer; only a frame cut
// by the end of a read is copied out (into carry_) and put back in front of the next read.
#include "bench/loadgen/subscriber.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench/loadgen/bench_stamp.hpp"
#include "bench/loadgen/http_reply_scan.hpp"
#include "bench/loadgen/pusher_wire.hpp"
#include "common/clock.hpp"

namespace shoal::loadgen {

bool Subscriber::start(RunState& run, std::uint32_t index, const sockaddr_in& source,
                       const sockaddr_in& dest) {
    run_ = &run;
    index_ = index;
    channel_ = index % static_cast<std::uint32_t>(run.channels.size());
    ++run.handshakes_in_flight;
    // Client-event senders may write back to back: only they need Nagle off.
    auto fd = start_connect(source, dest, run.options.mode == PublishMode::Client);
    if (!fd) {
        phase_ = Phase::Connecting;
        fail();
        return false;
    }
    fd_ = fd.value();
    phase_ = Phase::Connecting;
    // On loopback the TCP handshake has normally completed inside connect(), so the upgrade
    // request goes out at once: one epoll_ctl and no wake-up for EPOLLOUT per client. A socket
    // still connecting answers EAGAIN (send_raw then waits for EPOLLOUT), a refused one fails.
    if (!run.loop.add(fd_, this, EPOLLIN)) {
        fail();
        return false;
    }
    if (run.crypto.tls_ctx) {
        ssl_ = SSL_new(run.crypto.tls_ctx);
        SSL_set_fd(ssl_, fd_);
        SSL_set_connect_state(ssl_);
        phase_ = Phase::TlsHandshake;
        continue_tls();
    } else {
        send_upgrade();
    }
    return fd_ >= 0;
}

void Subscriber::continue_tls() {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) {
        run_->loop.modify(fd_, this, EPOLLIN);
        send_upgrade();
        return;
    }
    switch (SSL_get_error(ssl_, r)) {
        case SSL_ERROR_WANT_READ:
            run_->loop.modify(fd_, this, EPOLLIN);
            return;
        case SSL_ERROR_WANT_WRITE:
            run_->loop.modify(fd_, this, EPOLLIN | EPOLLOUT);
            return;
        default:
            ERR_clear_error();
            fail();
    }
}

ssize_t Subscriber::read_some(char* out, std::size_t n) {
    if (!ssl_) {
        const ssize_t r = ::recv(fd_, out, n, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
        if (r > 0) run_->counters.bytes_in += static_cast<std::size_t>(r);
        return r == 0 ? -1 : r;
    }
    // OpenSSL reads one record per call; a chunk's worth is gathered before it is scanned.
    BIO* rbio = SSL_get_rbio(ssl_);
    const std::uint64_t raw_before = BIO_number_read(rbio);
    std::size_t got = 0;
    bool closed = false;
    while (got + 16 * 1024 < n) {
        ERR_clear_error();
        const int r = SSL_read(ssl_, out + got, static_cast<int>(n - got));
        if (r > 0) {
            got += static_cast<std::size_t>(r);
            continue;
        }
        const int e = SSL_get_error(ssl_, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) closed = true;
        ERR_clear_error();
        break;
    }
    run_->counters.bytes_in += BIO_number_read(rbio) - raw_before;
    if (got > 0) return static_cast<ssize_t>(got);
    return closed ? -1 : 0;
}

ssize_t Subscriber::write_some(const char* data, std::size_t n) {
    if (!ssl_) {
        const ssize_t r = ::send(fd_, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
        return r;
    }
    ERR_clear_error();
    const int r = SSL_write(ssl_, data, static_cast<int>(n));
    if (r > 0) return r;
    const int e = SSL_get_error(ssl_, r);
    ERR_clear_error();
    return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? 0 : -1;
}

void Subscriber::close_socket() noexcept {
    if (ssl_) {
        SSL_free(ssl_);
        ssl_ = nullptr;
    }
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void Subscriber::abandon_setup() {
    if (phase_ != Phase::Subscribed && phase_ != Phase::Closed && phase_ != Phase::Idle) fail();
}

void Subscriber::fail() {
    if (phase_ == Phase::Subscribed) {
        ++run_->counters.dropped;
        --run_->subscribers_of[channel_];
    } else if (phase_ != Phase::Closed && phase_ != Phase::Idle) {
        ++run_->counters.failed;
        --run_->handshakes_in_flight;
    }
    phase_ = Phase::Closed;
    close_socket();
    std::string().swap(carry_);
    std::string().swap(pending_);
}

void Subscriber::on_io(std::uint32_t events) {
    if (fd_ < 0) return;
    if (phase_ == Phase::TlsHandshake) {
        continue_tls();
        return;
    }
    if ((events & EPOLLOUT) != 0 && want_write_) flush_pending();
    if (fd_ >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) on_readable();
}

void Subscriber::send_upgrade() {
    phase_ = Phase::AwaitUpgrade;
    const LoadOptions& o = run_->options;
    std::string request =
        "GET /app/" + o.app.key +
        "?protocol=7&client=shoal-loadgen&version=0.1 HTTP/1.1\r\nHost: " + o.host + ":" +
        std::to_string(o.port) +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
        websocket_key(index_) + "\r\nSec-WebSocket-Version: 13\r\n" +
        (o.deflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                   : "") +
        "\r\n";
    send_raw(request);
}

void Subscriber::on_readable() {
    char* buf = run_->read_buffer.data();
    const std::size_t have = carry_.size();
    if (have > 0) std::memcpy(buf, carry_.data(), have);
    const ssize_t n = read_some(buf + have, RunState::kReadChunk);
    if (n == 0) return;
    if (n < 0) return fail();
    if (have > 0) std::string().swap(carry_);
    consume(std::string_view(buf, have + static_cast<std::size_t>(n)), common::monotonic_ns());
}

bool Subscriber::consume(std::string_view bytes, std::uint64_t now_ns) {
    if (phase_ == Phase::AwaitUpgrade) {
        HttpResponseHead head;
        const HttpScan scan = scan_http_response(bytes, head);
        if (scan == HttpScan::NeedMore) {
            carry_.assign(bytes);
            return true;
        }
        // One inflater serves every client only if the server compresses without context.
        const bool deflate_ok =
            !run_->options.deflate ||
            header_value(head.head, "sec-websocket-extensions")
                    .find("server_no_context_takeover") != std::string_view::npos;
        if (scan == HttpScan::Error || head.status != 101 || !deflate_ok ||
            header_value(head.head, "sec-websocket-accept") !=
                websocket_accept(websocket_key(index_))) {
            fail();
            return false;
        }
        phase_ = Phase::AwaitEstablished;
        bytes.remove_prefix(head.header_bytes);
    }
    while (!bytes.empty()) {
        ServerFrame frame;
        std::size_t used = 0;
        const ScanStatus scan =
            scan_server_frame(bytes, RunState::kMaxFrame, frame, used, run_->options.deflate);
        if (scan == ScanStatus::NeedMore) {
            carry_.assign(bytes);
            return true;
        }
        if (scan == ScanStatus::Error || !frame.fin || frame.opcode == WsOpcode::Continuation) {
            fail();
            return false;
        }
        bytes.remove_prefix(used);
        switch (frame.opcode) {
            case WsOpcode::Text:
            case WsOpcode::Binary: {
                std::string_view message = frame.payload;
                if (frame.compressed) {
                    // After subscribing only events are large enough to be compressed: most
                    // are counted as they are, one in kInflateEvery is inflated and checked
                    // (and gives the latency sample), so the load generator's zlib does not
                    // cap what it can measure. Everything before subscribing is inflated.
                    if (phase_ == Phase::Subscribed &&
                        ++run_->compressed_events % RunState::kInflateEvery != 0) {
                        ++run_->counters.delivered;
                        run_->last_delivery_ns = now_ns;
                        break;
                    }
                    if (!run_->crypto.inflate(frame.payload, message)) {
                        fail();
                        return false;
                    }
                    ++run_->counters.inflated;
                }
                if (!on_text(message, now_ns)) return false;
                break;
            }
            case WsOpcode::Ping:
                ++run_->counters.pings;
                if (!send_frame(WsOpcode::Pong, frame.payload)) return false;
                break;
            case WsOpcode::Close:
                send_frame(WsOpcode::Close, {});
                fail();
                return false;
            default:
                break;
        }
    }
    return true;
}

bool Subscriber::on_text(std::string_view message, std::uint64_t now_ns) {
    if (phase_ == Phase::Subscribed) {
        Stamp stamp;
        if (find_stamp(message, stamp)) {
            ++run_->counters.delivered;
            run_->last_delivery_ns = now_ns;
            if (run_->record_latency && now_ns >= stamp.send_ns &&
                stamp.send_ns >= run_->latency_from_ns) {
                run_->latency.record(now_ns - stamp.send_ns);
            }
            return true;
        }
    }
    switch (classify(message)) {
        case PusherEvent::ConnectionEstablished: {
            if (phase_ != Phase::AwaitEstablished) return true;
            ++run_->counters.established;
            run_->last_established_ns = now_ns;
            phase_ = Phase::AwaitSubscribed;
            const std::string& channel = run_->channels[channel_];
            std::string auth;
            if (run_->options.mode == PublishMode::Client) {
                auth = private_channel_auth(run_->options.app, socket_id_of(message), channel);
            }
            return send_frame(WsOpcode::Text, subscribe_message(channel, auth));
        }
        case PusherEvent::SubscriptionSucceeded:
            if (phase_ != Phase::AwaitSubscribed) return true;
            phase_ = Phase::Subscribed;
            ++run_->counters.subscribed;
            ++run_->subscribers_of[channel_];
            --run_->handshakes_in_flight;
            run_->last_subscribed_ns = now_ns;
            return true;
        case PusherEvent::Ping:
            ++run_->counters.pings;
            return send_frame(WsOpcode::Text, pong_message());
        case PusherEvent::Error:
            ++run_->counters.pusher_errors;
            if (phase_ != Phase::Subscribed) {
                fail();
                return false;
            }
            if (run_->options.mode == PublishMode::Client && refuses_client_event(message)) {
                // Our event was dropped by the server's rate limit: nobody owes its deliveries.
                run_->publish.events -= std::min<std::uint64_t>(run_->publish.events, 1);
                ++run_->publish.events_rejected;
                const std::uint64_t owed = run_->subscribers_of[channel_] - 1;
                run_->publish.expected -= std::min(run_->publish.expected, owed);
            }
            return true;
        case PusherEvent::Other:
            if (phase_ == Phase::Subscribed) ++run_->counters.unstamped;
            return true;
    }
    return true;
}

bool Subscriber::send_client_event(std::string_view event, std::string_view data) {
    if (phase_ != Phase::Subscribed) return false;
    return send_frame(WsOpcode::Text, client_event_message(run_->channels[channel_], event, data));
}

bool Subscriber::send_frame(WsOpcode opcode, std::string_view payload) {
    std::string& out = run_->scratch;
    out.clear();
    append_client_frame(out, opcode, payload, run_->next_random());
    return send_raw(out);
}

bool Subscriber::send_raw(std::string_view bytes) {
    if (fd_ < 0) return false;
    if (!pending_.empty()) {
        pending_.append(bytes);
        return true;
    }
    const ssize_t n = write_some(bytes.data(), bytes.size());
    if (n < 0) {
        fail();
        return false;
    }
    const std::size_t sent = static_cast<std::size_t>(n);
    if (sent < bytes.size()) {
        pending_.assign(bytes.substr(sent));
        want_write_ = true;
        run_->loop.modify(fd_, this, EPOLLIN | EPOLLOUT);
    }
    return true;
}

void Subscriber::flush_pending() {
    const ssize_t n = write_some(pending_.data(), pending_.size());
    if (n < 0) {
        fail();
        return;
    }
    pending_.erase(0, static_cast<std::size_t>(n));
    if (pending_.empty()) {
        std::string().swap(pending_);
        want_write_ = false;
        run_->loop.modify(fd_, this, EPOLLIN);
    }
}

}  // namespace shoal::loadgen
