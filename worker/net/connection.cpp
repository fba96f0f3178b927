// SPDX-License-Identifier: MIT
// Connection lifecycle, the write path and the close sequence (connection_http.cpp holds the
// HTTP request handling, connection_ws.cpp the WebSocket side).
#include "worker/net/connection.hpp"

#include "common/log.hpp"
#include "worker/net/server.hpp"

namespace shoal::net {

Connection::Connection(Server& server, ConnId id)
    : server_(server),
      id_(id),
      http_(std::make_unique<HttpSide>(codec::HttpLimits{
          server.config_.limits.max_header_bytes, server.config_.limits.max_http_body_bytes, 64})),
      queue_(server.config_.limits.send_queue_high_water_bytes) {}

bool Connection::accept(uv_stream_t* listener, ssl_ctx_st* tls_ctx) {
    uv_tcp_init(server_.loop_, &tcp_);
    tcp_.data = this;
    auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
    if (int r = uv_accept(listener, stream); r != 0) {
        SHOAL_WARN("uv_accept() failed: %s", uv_strerror(r));
        destroy();
        return false;
    }
    if (tls_ctx) {
        extras().tls.emplace(tls_ctx, server_.tls_out_);
        if (!tls().ok()) {
            SHOAL_WARN("SSL_new() failed: connection dropped");
            destroy();
            return false;
        }
    }
    if (!server_.listener_nodelay_) uv_tcp_nodelay(&tcp_, 1);
    if (int r = uv_read_start(stream, on_alloc, on_read); r != 0) {
        SHOAL_WARN("uv_read_start() failed: %s", uv_strerror(r));
        destroy();
        return false;
    }
    start_http_timer();
    return true;
}

void Connection::on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
    // Every connection reads into the server's one buffer: an idle connection holds none.
    auto& rb = static_cast<Connection*>(h->data)->server_.read_buffer_;
    *buf = uv_buf_init(rb.data(), static_cast<unsigned>(rb.size()));
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<Connection*>(s->data);
    if (nread == 0) return;
    if (nread < 0) {
        c->on_input_end(nread);
        return;
    }
    const auto n = static_cast<std::size_t>(nread);
    c->server_.counters_.add(common::Counter::SocketBytesIn, n);
    if (c->is_tls()) {
        c->on_tls_bytes(buf->base, n);
    } else {
        c->dispatch(buf->base, n);
    }
}

// EOF (or a TLS close_notify) or a read error.
void Connection::on_input_end(ssize_t status) {
    // Pipelined requests kept while one was held are answered before the EOF is acted on.
    if (status == UV_EOF && hold_ == HttpHold::Resuming) resume_input();
    // A peer that half-closes after its request (SHUT_WR) still gets the answer already
    // queued; otherwise EOF or a reset means the peer is gone (a held request with it).
    const bool pending =
        !queue_.empty() || write_in_flight_ || (is_tls() && !tls().pending.empty());
    if (status == UV_EOF && pending && !holds_request() && state_ != ConnState::Ws &&
        state_ != ConnState::Closed) {
        peer_eof_ = true;
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
    // Frames inside the one uv_write in flight, or a head already partly on the wire, must go
    // out whole or the stream is corrupt. (A TLS write in flight holds ciphertext, no frame.)
    if (write_in_flight_ && !is_tls()) return inflight_frames_;
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
    if (state_ == ConnState::Closing && queue_.empty() && !write_in_flight_ && !shutdown_started_) {
        if (is_tls() && !send_close_notify()) return;  // its write completes first
        shutdown_started_ = true;
        // Half-close, then wait for the peer's EOF: closing outright could reset the connection
        // and lose the last bytes (the close frame, the error response) in the peer's buffer.
        req_ = server_.take_request();
        if (uv_shutdown(&req_->shutdown, reinterpret_cast<uv_stream_t*>(&tcp_), on_shutdown) != 0) {
            release_request();
            destroy();
        }
    }
}

void Connection::write_now() {
    if (is_tls()) {
        write_now_tls();
        return;
    }
    if (write_in_flight_ || queue_.empty() || state_ == ConnState::Closed || write_error_) return;
    constexpr std::size_t kMaxBufs = 64;
    uv_buf_t bufs[kMaxBufs];
    auto fill = [&](std::size_t& bytes) {
        const std::size_t n = queue_.size() < kMaxBufs ? queue_.size() : kMaxBufs;
        bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::string_view p = queue_.pending(i);
            bufs[i] = uv_buf_init(const_cast<char*>(p.data()), static_cast<unsigned>(p.size()));
            bytes += p.size();
        }
        return n;
    };
    auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
    std::size_t bytes;
    std::size_t n = fill(bytes);
    int r = uv_try_write(stream, bufs, static_cast<unsigned>(n));
    if (r == UV_EAGAIN) r = 0;
    if (r < 0) {
        write_error_ = true;
        begin_closing();
        mark_dirty();
        return;
    }
    queue_.consume(static_cast<std::size_t>(r));
    server_.counters_.add(common::Counter::SocketBytesOut, static_cast<std::size_t>(r));
    if (queue_.empty()) return;
    // The kernel took part of it: the rest goes out with one uv_write on the embedded request,
    // the FrameRefs stay in the queue until on_write.
    n = fill(bytes);
    req_ = server_.take_request();
    req_->write.data = this;
    if (int w = uv_write(&req_->write, stream, bufs, static_cast<unsigned>(n), on_write); w != 0) {
        release_request();
        write_error_ = true;
        begin_closing();
        mark_dirty();
        return;
    }
    write_in_flight_ = true;
    inflight_frames_ = static_cast<std::uint32_t>(n);
    inflight_bytes_ = static_cast<std::uint32_t>(bytes);
}

void Connection::release_request() noexcept {
    server_.give_request(req_);
    req_ = nullptr;
}

void Connection::on_write(uv_write_t* req, int status) {
    auto* c = static_cast<Connection*>(req->data);
    c->release_request();
    c->write_in_flight_ = false;
    if (status >= 0) c->server_.counters_.add(common::Counter::SocketBytesOut, c->inflight_bytes_);
    if (c->is_tls()) {
        // Ciphertext, encrypted from frames the queue already let go: a backlog's buffer
        // goes back to the heap, so an idle TLS connection keeps none.
        std::string().swap(c->tls().inflight);
        if (!c->tls().pending.empty()) c->mark_dirty();
    } else {
        c->queue_.consume(c->inflight_bytes_);
    }
    c->inflight_frames_ = c->inflight_bytes_ = 0;
    if (c->state_ == ConnState::Closed) return;
    if (status < 0) {
        c->destroy();
        return;
    }
    if (!c->queue_.empty() || c->state_ == ConnState::Closing) c->mark_dirty();
}

void Connection::on_shutdown(uv_shutdown_t* req, int status) {
    auto* c = static_cast<Connection*>(req->handle->data);
    c->release_request();
    if ((status < 0 || c->peer_eof_) && c->state_ != ConnState::Closed) c->destroy();
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
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_handle_closed);
}

ConnExtras& Connection::extras() {
    if (!extras_) extras_ = std::make_unique<ConnExtras>();
    return *extras_;
}

void Connection::on_handle_closed(uv_handle_t* h) {
    auto* c = static_cast<Connection*>(h->data);
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
