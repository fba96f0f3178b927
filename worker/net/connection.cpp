// SPDX-License-Identifier: MIT
// Connection lifecycle, the write path and the close sequence (connection_http.cpp holds the
// HTTP request handling, connection_ws.cpp the WebSocket side).
#include "worker/net/connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/log.hpp"
#include "worker/net/server.hpp"

namespace shoal::net {

Connection::Connection(Server& server, ConnId id)
    : server_(server),
      id_(id),
      http_(std::make_unique<HttpSide>(codec::HttpLimits{
          server.config_.limits.max_header_bytes, server.config_.limits.max_http_body_bytes, 64})),
      queue_(server.config_.limits.send_queue_high_water_bytes) {}

bool Connection::open(int fd, ssl_ctx_st* tls_ctx) {
    fd_ = fd;  // non-blocking from accept4
    if (tls_ctx) {
        extras().tls.emplace(tls_ctx, server_.tls_out_);
        if (!tls().ok()) {
            SHOAL_WARN("SSL_new() failed: connection dropped");
            destroy();
            return false;
        }
    }
    if (!server_.listener_nodelay_) {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    watch();
    if (!armed_read_) {
        destroy();
        return false;
    }
    start_http_timer();
    return true;
}

void Connection::watch() {
    if (state_ == ConnState::Closed) return;
    const bool read = !peer_eof_;
    const bool write = write_blocked_;
    if (read == armed_read_ && write == armed_write_) return;
    const std::uint32_t events =
        (read ? SocketPoller::kReadable : 0u) | (write ? SocketPoller::kWritable : 0u);
    const bool watched = armed_read_ || armed_write_;
    if (!server_.poller_.watch(fd_, id_, events, watched)) {
        armed_read_ = armed_write_ = false;
        return;
    }
    armed_read_ = read;
    armed_write_ = write;
}

void Connection::on_events(std::uint32_t events) {
    if (events & SocketPoller::kError) {
        destroy();  // the socket has an error (a reset)
        return;
    }
    // A hang-up is reported whatever the interest: it reads as the end of input, or as a
    // writable socket whose next write fails, for what the connection waits on (as uv_poll).
    const bool hangup = events & SocketPoller::kHangup;
    if ((events & SocketPoller::kReadable) || (hangup && armed_read_)) on_readable();
    if (state_ == ConnState::Closed) return;
    if ((events & SocketPoller::kWritable) || (hangup && armed_write_)) {
        // The batcher writes (after the bus has published this iteration's records); the
        // writable interest stays armed until a write drains, so a socket that stays full
        // costs no epoll_ctl per round.
        write_blocked_ = false;
        mark_dirty();
    }
}

void Connection::on_readable() {
    // Every connection reads into the server's one buffer: an idle connection holds none. A
    // full buffer is read again at once (up to a bound, so one peer cannot hold the loop);
    // whatever is left wakes the level-triggered poll on the next iteration.
    auto& rb = server_.read_buffer_;
    for (int round = 0; round < 16; ++round) {
        const ssize_t n = ::read(fd_, rb.data(), rb.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) on_input_end(-errno);
            return;
        }
        if (n == 0) {
            on_input_end(UV_EOF);
            return;
        }
        const auto got = static_cast<std::size_t>(n);
        server_.counters_.add(common::Counter::SocketBytesIn, got);
        if (is_tls()) {
            on_tls_bytes(rb.data(), got);
        } else {
            dispatch(rb.data(), got);
        }
        if (got < rb.size() || state_ == ConnState::Closed || peer_eof_) return;
    }
}

ssize_t Connection::send_bufs(const iovec* bufs, std::size_t n) {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(bufs);
    msg.msg_iovlen = n;
    ssize_t r;
    do {
        r = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    if (r >= 0) {
        server_.counters_.add(common::Counter::SocketBytesOut, static_cast<std::size_t>(r));
        return r;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    write_error_ = true;
    begin_closing();
    mark_dirty();
    return -1;
}

// EOF (or a TLS close_notify) or a read error.
void Connection::on_input_end(ssize_t status) {
    // Pipelined requests kept while one was held are answered before the EOF is acted on.
    if (status == UV_EOF && hold_ == HttpHold::Resuming) resume_input();
    // A peer that half-closes after its request (SHUT_WR) still gets the answer already
    // queued; otherwise EOF or a reset means the peer is gone (a held request with it).
    const bool pending = !queue_.empty() || (is_tls() && !tls().pending.empty());
    if (status == UV_EOF && pending && !holds_request() && state_ != ConnState::Ws &&
        state_ != ConnState::Closed) {
        // Nothing more to read: a level-triggered readable interest would fire for ever.
        peer_eof_ = true;
        watch();
        begin_closing();
        return;
    }
    destroy();
}

// Plaintext: straight from the read buffer, or decrypted by the TLS session.
void Connection::dispatch(char* data, std::size_t n) {
    switch (state_) {
        case ConnState::Http:
            on_http_bytes(data, n);
            break;
        case ConnState::Ws:
            on_ws_bytes(data, n);
            break;
        case ConnState::Closing:  // the peer's close reply or the rest of a request: discarded
        case ConnState::Closed:
            break;
    }
}

void Connection::mark_dirty() {
    if (state_ != ConnState::Closed) server_.batcher_.mark_dirty(*this);
}

void Connection::queue(const FrameRef& frame) {
    if (state_ == ConnState::Closed || state_ == ConnState::Closing) return;
    if (!queue_.try_push(frame)) {
        write_now();  // a full queue first tries the socket: only a peer that does not read fails
        if (!queue_.try_push(frame)) {
            overload();
            return;
        }
    }
    if (queue_.queued_bytes() > server_.peak_queued_bytes_) {
        server_.peak_queued_bytes_ = queue_.queued_bytes();
        server_.counters_.raise(common::Counter::SendQueuePeakBytes, queue_.queued_bytes());
    }
    mark_dirty();
}

std::size_t Connection::frames_to_keep() const noexcept {
    // A head already partly on the wire must go out whole or the stream is corrupt. (TLS
    // pending bytes are ciphertext of frames the queue already let go.)
    return queue_.head_offset() > 0 ? 1 : 0;
}

void Connection::queue_close(FrameRef close_frame) {
    if (state_ == ConnState::Closed || state_ == ConnState::Closing) return;
    if (!queue_.try_push(close_frame)) {
        queue_.drop_tail(frames_to_keep());
        queue_.push_final(std::move(close_frame));
    }
    begin_closing();
}

void Connection::overload() {
    server_.counters_.add(common::Counter::SlowConsumerCloses);
    server_.log_peer(id_, codec::answer(codec::ProtocolError::WsSlowConsumer).text);
    queue_.drop_tail(frames_to_keep());
    if (state_ == ConnState::Ws) {
        const std::uint16_t code = ws_handler().overload_close_code();
        queue_.push_final(SharedFrame::make_close(code, "slow consumer, reconnect"));
    }
    begin_closing();
}

void Connection::begin_closing() {
    if (state_ == ConnState::Closing || state_ == ConnState::Closed) return;
    state_ = ConnState::Closing;
    // One deadline for the whole close: a peer that never reads or never hangs up is cut.
    server_.arm_timeout(*this, kCloseList, server_.config_.limits.close_timeout_ms);
    mark_dirty();
}

void Connection::flush() {
    if (state_ == ConnState::Closed) return;
    if (state_ == ConnState::Closing) notify_closed();
    if (write_error_) {
        destroy();
        return;
    }
    write_now();
    if (state_ == ConnState::Closed) return;
    if (state_ == ConnState::Closing && queue_.empty() && !write_blocked_ && !shutdown_started_) {
        if (is_tls() && !send_close_notify()) {
            watch();
            return;  // the rest of it goes out once the socket is writable
        }
        if (state_ == ConnState::Closed || write_error_) return;
        shutdown_started_ = true;
        // Half-close, then wait for the peer's EOF: closing outright could reset the connection
        // and lose the last bytes (the close frame, the error response) in the peer's buffer.
        if (::shutdown(fd_, SHUT_WR) != 0 || peer_eof_) {
            destroy();
            return;
        }
    }
    // A writable wake-up that found nothing (left) to write drops the writable interest here.
    watch();
}

void Connection::write_now() {
    if (is_tls()) {
        write_now_tls();
        return;
    }
    if (write_blocked_ || queue_.empty() || state_ == ConnState::Closed || write_error_) return;
    constexpr std::size_t kMaxBufs = 64;
    iovec bufs[kMaxBufs];
    while (!queue_.empty()) {
        const std::size_t n = queue_.size() < kMaxBufs ? queue_.size() : kMaxBufs;
        std::size_t bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::string_view p = queue_.pending(i);
            bufs[i] = iovec{const_cast<char*>(p.data()), p.size()};
            bytes += p.size();
        }
        const ssize_t r = send_bufs(bufs, n);
        if (r < 0) return;
        queue_.consume(static_cast<std::size_t>(r));
        if (static_cast<std::size_t>(r) < bytes) {
            // The kernel took part of it: the rest stays queued (a head keeps its offset) until
            // the socket is writable again.
            write_blocked_ = true;
            watch();
            return;
        }
    }
}

void Connection::notify_closed() {
    notify_abandoned();
    if (!ws_opened_ || close_notified_) return;
    close_notified_ = true;
    ws_handler().on_close(id_);
}

WsHandler& Connection::ws_handler() const noexcept {
    return server_.router_->ws_handler(handler_index_);
}

void Connection::destroy() {
    if (state_ == ConnState::Closed) return;
    // Closed first: whatever the handler does from on_close with this id is ignored.
    state_ = ConnState::Closed;
    notify_closed();
    server_.disarm_timeout(*this);
    // Closing the fd takes it out of the poller's set; the connection is freed after this
    // loop iteration's writes (WriteBatcher::bury), as callers up the stack may still use it.
    server_.poller_.closed(armed_read_ || armed_write_);
    armed_read_ = armed_write_ = false;
    ::close(fd_);
    fd_ = -1;
    server_.batcher_.bury(*this);
}

ConnExtras& Connection::extras() {
    if (!extras_) extras_ = std::make_unique<ConnExtras>();
    return *extras_;
}

void Connection::free(Connection* c) noexcept {
    Server& server = c->server_;
    const ConnId id = c->id_;
    delete c;
    server.on_connection_freed(id);
}

void Connection::on_timeout() {
    switch (state_) {
        case ConnState::Http:
            if (hold_ == HttpHold::Resuming) {
                resume_input();
                break;
            }
            // A request still incomplete at the deadline gets 408 (slowloris), naming the part
            // that did not arrive; an idle keep-alive connection is closed without a word.
            if (http_->parser.started()) {
                respond_error(http_->parser.head_complete()
                                  ? codec::ProtocolError::HttpBodyTimeout
                                  : codec::ProtocolError::HttpHeaderTimeout);
            } else {
                begin_closing();
            }
            break;
        case ConnState::Ws:
            // The frame deadline and the idle deadline share the link, never both armed: a
            // cut frame is on the frame list (arm_ws_deadline).
            if (ws_frame_in_progress() && server_.config_.limits.frame_timeout_ms > 0) {
                fail_ws(codec::ProtocolError::WsFrameTimeout);
            } else {
                on_idle_timer();
            }
            break;
        case ConnState::Closing:
            destroy();
            break;
        case ConnState::Closed:
            break;
    }
}

void Connection::start_http_timer() {
    server_.arm_timeout(*this, kHandshakeList, server_.config_.limits.handshake_timeout_ms);
}

void Connection::arm_ws_deadline() {
    // A cut frame must be whole within frame_timeout_ms of its first byte: bytes that trickle in
    // do not extend it (they would keep the idle deadline away for ever), a frame begun in this
    // read starts its own. Otherwise every read re-arms the idle deadline.
    const std::uint32_t frame_ms = server_.config_.limits.frame_timeout_ms;
    if (frame_ms > 0 && ws_frame_in_progress()) {
        idle_notified_ = false;
        if (DeadlineLink::list != kFrameList || ws_->frame_began_last_parse())
            server_.arm_timeout(*this, kFrameList, frame_ms);
        return;
    }
    start_idle_timer();
}

void Connection::start_idle_timer() {
    // Re-armed on every read, so the list stays sorted and expiry means "nothing came in".
    idle_notified_ = false;
    if (const std::uint32_t idle_ms = ws_handler().idle_timeout_ms(); idle_ms > 0)
        server_.arm_timeout(*this, kIdleList, idle_ms);
}

}  // namespace shoal::net
