// SPDX-License-Identifier: MIT
// The WebSocket side of a Connection: frames from the parser to the WsHandler, ping/pong, the
// close handshake (the peer's code echoed), protocol errors answered with their close code, and
// the idle/keepalive timer (on_idle, a WebSocket ping, then the idle close code after the grace),
// the frame deadline of a cut frame (1008), and permessage-deflate: frames swapped for their
// compressed form on the way out, compressed messages inflated on the way in.
#include "common/log.hpp"
#include "common/utf8_validator.hpp"
#include "worker/net/connection.hpp"
#include "worker/net/server.hpp"

namespace shoal::net {

void Connection::on_ws_bytes(char* data, std::size_t len) {
    codec::ProtocolError e = codec::ProtocolError::None;
    if (!ws_done_) {
        // The server's parser unless this connection has a cut frame of its own, or a handler
        // reached another connection's input while the shared one is in use.
        const bool shared = !ws_ && !server_.ws_parser_busy_;
        codec::WsFrameParser* p = ws_.get();
        if (shared) {
            p = &server_.ws_parser_;
            *p = codec::WsFrameParser(ws_options());
            server_.ws_parser_busy_ = true;
        } else if (!p) {
            ws_ = std::make_unique<codec::WsFrameParser>(ws_options());
            p = ws_.get();
        }
        e = p->parse(data, len, *this);
        if (shared) server_.ws_parser_busy_ = false;
        keep_ws_state(*p, shared);
    }
    if (e != codec::ProtocolError::None) fail_ws(e);
    // Armed after the handler ran: a close it queued owns the deadline from then on.
    if (state_ == ConnState::Ws) arm_ws_deadline();  // any input is activity
}

codec::WsParserOptions Connection::ws_options() const noexcept {
    return {server_.config_.limits.max_message_bytes, true, deflate_ != WsDeflate::Off};
}

codec::WsFrameParser& Connection::ws_parser() const noexcept {
    return ws_ ? *ws_ : server_.ws_parser_;
}

void Connection::keep_ws_state(codec::WsFrameParser& p, bool shared) {
    if (p.closed()) {
        ws_done_ = true;
        ws_.reset();
    } else if (p.idle()) {
        ws_.reset();  // a cut frame completed: back to the shared parser
    } else if (shared) {
        ws_ = std::make_unique<codec::WsFrameParser>(std::move(p));
    }
}

void Connection::fail_ws(codec::ProtocolError e) {
    if (state_ != ConnState::Ws) return;
    const codec::ErrorAnswer a = codec::answer(e);
    server_.counters_.add(common::Counter::ProtocolErrors);
    server_.log_peer(id_, a.text);
    queue_close(SharedFrame::make_close(a.close_code, a.text));
}

void Connection::send(FrameRef frame) {
    if (state_ == ConnState::Ws) {
        if (deflate_ == WsDeflate::Shared) {
            queue(server_.compressor_->shared(frame));
        } else if (deflate_ == WsDeflate::Dedicated) {
            FrameRef mine = server_.compressor_->dedicated(frame, *extras_->deflater);
            if (!mine) {  // zlib failed mid-stream: the client's window is no longer ours
                server_.log_peer(id_, "compressor failed");
                queue_close(SharedFrame::make_close(1011, "compressor failed"));
                return;
            }
            queue(mine);
        } else {
            queue(frame);
        }
        return;
    }
    // A streaming HTTP request takes frames too: their bytes are whole chunks (an SSE stream's
    // events, encoded once for every subscriber).
    if (state_ == ConnState::Http && hold_ == HttpHold::Streaming && !head_request_) queue(frame);
}

void Connection::close_ws(std::uint16_t code, std::string_view reason) {
    if (state_ == ConnState::Ws) queue_close(SharedFrame::make_close(code, reason));
}

bool Connection::on_ws_message(codec::WsOpcode op, char* data, std::size_t len) {
    if (state_ != ConnState::Ws) return false;
    if (ws_parser().message_compressed()) return on_compressed_message(op, {data, len});
    return deliver_message(op, data, len);
}

bool Connection::deliver_message(codec::WsOpcode op, char* data, std::size_t len) {
    server_.counters_.add(common::Counter::WebsocketMessagesIn);
    if (op == codec::WsOpcode::Text) {
        ws_handler().on_text(id_, {data, len});
    } else {
        ws_handler().on_binary(id_, {data, len});
    }
    return state_ == ConnState::Ws;
}

// Inflated into the worker's one buffer (bounded by max_message_bytes: a bomb ends at the limit
// with 1009), then checked as the parser checks plain text.
bool Connection::on_compressed_message(codec::WsOpcode op, std::string_view data) {
    std::string_view plain;
    switch (server_.compressor_->inflate(data, plain)) {
        case codec::InflateStatus::TooBig:
            fail_ws(codec::ProtocolError::WsInflatedTooBig);
            return false;
        case codec::InflateStatus::Corrupt:
            fail_ws(codec::ProtocolError::WsBadCompressedData);
            return false;
        case codec::InflateStatus::Ok:
            break;
    }
    if (op == codec::WsOpcode::Text && !common::is_valid_utf8(plain)) {
        fail_ws(codec::ProtocolError::WsInvalidUtf8);
        return false;
    }
    // The handler may parse in place: the inflate buffer is the worker's, written per message.
    return deliver_message(op, const_cast<char*>(plain.data()), plain.size());
}

bool Connection::on_ws_ping(std::string_view payload) {
    queue(SharedFrame::make_pong(payload));
    return state_ == ConnState::Ws;
}

bool Connection::on_ws_pong(std::string_view) {
    return true;
}

bool Connection::on_ws_close(std::uint16_t code, std::string_view) {
    // Echo the peer's code (RFC 6455 5.5.1); a close without a code is answered without one.
    static constexpr char kEmptyClose[2] = {static_cast<char>(0x88), 0};
    queue_close(code == 1005 ? SharedFrame::from_wire({kEmptyClose, 2})
                             : SharedFrame::make_close(code, {}));
    return false;
}

void Connection::on_idle_timer() {
    WsHandler& h = ws_handler();
    if (h.idle_timeout_ms() == 0) return;
    if (idle_notified_) {  // the grace ended with nothing read (a read re-arms the idle timer)
        server_.counters_.add(common::Counter::IdleCloses);
        server_.log_peer(id_, codec::answer(codec::ProtocolError::WsIdleTimeout).text);
        queue_close(SharedFrame::make_close(h.idle_close_code(), "idle timeout"));
        return;
    }
    idle_notified_ = true;
    h.on_idle(id_);
    if (state_ != ConnState::Ws) return;
    // A WebSocket ping as well: any client stack answers it, and its pong counts as activity.
    queue(SharedFrame::make_ping({}));
    server_.arm_timeout(*this, kGraceList, h.idle_grace_ms());
}

}  // namespace shoal::net
