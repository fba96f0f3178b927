// SPDX-License-Identifier: MIT
// Connection: one client socket through its states, HTTP -> WebSocket -> Closing -> Closed. An
// HTTP request may be held or streamed by its route handler; the connection then reads no further
// request until the handler finishes it (connection_hold.cpp).
// The socket is watched in the server's SocketPoller (one epoll set for every connection, one
// uv_poll_t on the loop; a uv_poll_t per socket took 160 bytes, a uv_tcp_t 248): the connection
// does its own non-blocking read and sendmsg, and owns nothing of libuv. Input is parsed straight
// from the server's shared read buffer; only a partial request or frame is kept. Output goes
// through the SendQueue and the WriteBatcher. Closing happens in one place: the connection marks
// itself closing, the batcher writes what is left, then the socket is half-closed and released once
// the peer hangs up or the close deadline ends.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <uv.h>

#include "worker/codec/http_request_parser.hpp"
#include "worker/codec/protocol_errors.hpp"
#include "worker/codec/ws_deflate.hpp"
#include "worker/codec/ws_frame_parser.hpp"
#include "worker/net/deadline_lists.hpp"
#include "worker/net/handler.hpp"
#include "worker/net/send_queue.hpp"
#include "worker/net/tls_session.hpp"

namespace shoal::net {

class Server;

enum class ConnState : std::uint8_t { Http, Ws, Closing, Closed };

// An HTTP connection's request in the hands of its route handler (Reply::Held / Streaming), and
// the step after it: pipelined input kept meanwhile is parsed from a 0 ms deadline (Resuming),
// never from inside the handler's respond/end_stream call.
enum class HttpHold : std::uint8_t { None, Held, Streaming, Resuming };

// The HTTP side, allocated at accept and freed at the upgrade: the parser, and the bytes of
// pipelined requests that arrived while a request was held.
struct HttpSide {
    explicit HttpSide(codec::HttpLimits limits) : parser(limits) {}
    codec::HttpRequestParser parser;
    std::string held_input;
};

// What only some connections carry, allocated when first needed so that a plain connection pays
// one pointer: TLS state (accepted on the TLS port) and a compressor of its own
// (permessage-deflate in dedicated mode).
struct ConnExtras {
    std::optional<TlsSession> tls;
    std::unique_ptr<codec::MessageDeflater> deflater;
};

// permessage-deflate as agreed in the handshake: none, the frames' shared twins (no context), or
// the connection's own compressor.
enum class WsDeflate : std::uint8_t { Off, Shared, Dedicated };

// Memory per connection is the budget of an idle subscriber (docs/benchmarks.md): a
// test pins sizeof(Connection), so a field added here is a decision, not an accident.
class Connection final : public codec::WsFrameSink, private DeadlineLink {
  public:
    // The server's timeout lists (one delay each, so each list stays append-only). Closing
    // (close frame or last response, half-close, peer's hang-up) is cut after
    // Limits::close_timeout_ms; a cut WebSocket frame after Limits::frame_timeout_ms.
    static constexpr std::uint8_t kHandshakeList = 0, kCloseList = 1, kIdleList = 2, kGraceList = 3,
                                  kResumeList = 4, kFrameList = 5;
    Connection(Server& server, ConnId id);
    // Takes an accepted socket (non-blocking, close-on-exec) and starts reading; false (the
    // socket closed and the connection freed) on failure. With tls_ctx the connection speaks TLS
    // from its first byte.
    bool open(int fd, ssl_ctx_st* tls_ctx = nullptr);

    ConnId id() const noexcept { return id_; }
    ConnState state() const noexcept { return state_; }
    bool is_ws() const noexcept { return state_ == ConnState::Ws; }
    bool is_tls() const noexcept { return extras_ && extras_->tls; }
    WsDeflate deflate() const noexcept { return deflate_; }

    // From the Transport; ignored unless the WebSocket is open.
    void send(FrameRef frame);
    void close_ws(std::uint16_t code, std::string_view reason);
    // Answers an HTTP client that must go away (503 over capacity, shutdown of an idle one).
    void refuse(codec::ProtocolError e);
    void close_idle_http();
    // From the Transport, for the request a route handler holds; ignored otherwise.
    void respond_held(const HttpResponse& response);
    void begin_stream(int status, std::string_view content_type, std::string_view extra_headers);
    void stream_write(std::string_view bytes);
    void end_stream();
    bool holds_request() const noexcept {
        return hold_ == HttpHold::Held || hold_ == HttpHold::Streaming;
    }
    // Shutdown: a stream gets its last chunk, the handler on_abandoned, the connection closes.
    void abandon_held();
    // Cuts the socket now (shutdown deadline).
    void destroy();

  private:
    friend class WriteBatcher;
    friend class Server;
    // WsFrameSink
    bool on_ws_message(codec::WsOpcode op, char* data, std::size_t len) override;
    bool on_ws_ping(std::string_view payload) override;
    bool on_ws_pong(std::string_view payload) override;
    bool on_ws_close(std::uint16_t code, std::string_view reason) override;

    // What the poller saw on the socket (SocketPoller::kReadable, ...).
    void on_events(std::uint32_t events);
    // Deletes a buried connection (after destroy(), once the iteration's writes are done).
    static void free(Connection* c) noexcept;

    void on_readable();
    // Arms the poll for what the connection waits on now: readable until the peer's EOF,
    // writable only while the socket refused bytes (a level-triggered writable interest left
    // armed would wake the loop on every iteration).
    void watch();
    // sendmsg of up to n buffers without SIGPIPE: bytes taken, 0 when the socket is full, -1 on
    // an error (the connection is then closing).
    ssize_t send_bufs(const iovec* bufs, std::size_t n);
    void on_input_end(ssize_t status);
    void dispatch(char* data, std::size_t len);
    // TLS (connection_tls.cpp): ciphertext in, plaintext to dispatch; ciphertext out through
    // the server's scratch, what the socket does not take kept in TlsSession::pending.
    TlsSession& tls() noexcept { return *extras_->tls; }
    void on_tls_bytes(const char* data, std::size_t len);
    void push_tls_output();
    void write_pending_tls();
    void write_now_tls();
    bool send_close_notify();
    void fail_tls();
    ConnExtras& extras();
    void on_http_bytes(char* data, std::size_t len);
    bool handle_request(char* rest, std::size_t rest_len);  // false: stop reading input
    void respond(int status, std::string_view content_type, std::string_view body,
                 std::string_view extra_headers = {});
    void respond_error(codec::ProtocolError e);
    void answer(const HttpResponse& response);
    void finish_held();
    void notify_abandoned();
    void resume_input();
    WsHandler& ws_handler() const noexcept;
    void upgrade(std::string_view key, const HttpRequest& request);
    std::string agree_deflate();  // the extension header line of the 101, or empty
    bool on_compressed_message(codec::WsOpcode op, std::string_view data);
    bool deliver_message(codec::WsOpcode op, char* data, std::size_t len);
    void on_ws_bytes(char* data, std::size_t len);
    codec::WsParserOptions ws_options() const noexcept;
    // The parser of the read being parsed: the connection's own, else the server's.
    codec::WsFrameParser& ws_parser() const noexcept;
    void keep_ws_state(codec::WsFrameParser& p, bool shared);
    bool ws_frame_in_progress() const noexcept { return ws_ && ws_->frame_in_progress(); }
    void fail_ws(codec::ProtocolError e);
    void queue(const FrameRef& frame);
    void queue_close(FrameRef close_frame);
    std::size_t frames_to_keep() const noexcept;
    void overload();
    void begin_closing();
    void mark_dirty();
    void flush();
    void write_now();
    void notify_closed();
    void start_http_timer();
    void start_idle_timer();
    void arm_ws_deadline();  // the frame deadline while a frame is cut, else the idle one
    void on_timeout();
    void on_idle_timer();
    HttpRequest request_view();

    // First, so that they fill the DeadlineLink's tail padding (its 25 bytes take 32): 8 bytes of
    // every connection.
    ConnState state_ = ConnState::Http;
    // Ws: the router's WsHandler; Http while a request is held: the router's RouteHandler.
    std::uint8_t handler_index_ = 0;
    HttpHold hold_ = HttpHold::None;
    WsDeflate deflate_ = WsDeflate::Off;
    // One bit each: ten bools took 16 bytes of every connection with their padding.
    bool ws_opened_ : 1 = false;  // the handler saw on_open and must see on_close
    bool close_notified_ : 1 = false;
    bool write_blocked_ : 1 = false;  // the socket refused bytes: wait for it to be writable
    bool armed_read_ : 1 = false;     // what the poller watches now (watch()); neither: not in
                                      // its set
    bool armed_write_ : 1 = false;
    bool shutdown_started_ : 1 = false;
    bool write_error_ : 1 = false;
    bool peer_eof_ : 1 = false;  // the peer half-closed; we finish writing, then close
    bool keep_alive_ : 1 = true;
    bool idle_notified_ : 1 = false;  // on_idle sent, grace period running
    bool head_request_ : 1 = false;   // the held request is a HEAD: its answer carries no body
    bool dirty_ : 1 = false;          // on the WriteBatcher's dirty list
    bool ws_done_ : 1 = false;        // the frame parser saw a close frame or an error: input ends
    Server& server_;
    ConnId id_;
    int fd_ = -1;  // -1 once closed
    // Only while the connection speaks HTTP (allocated at accept, freed at the upgrade).
    std::unique_ptr<HttpSide> http_;
    std::unique_ptr<ConnExtras> extras_;  // null for a plain connection
    // Only while a frame or a message is cut by a read; otherwise input is parsed by the
    // server's shared parser (an idle parser holds nothing but the options).
    std::unique_ptr<codec::WsFrameParser> ws_;
    SendQueue queue_;
};

}  // namespace shoal::net
