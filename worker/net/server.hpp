// SPDX-License-Identifier: MIT
// Server: the worker's listening socket, its connections and the Transport the protocol layer
// talks to. It listens on host:port (port 0 picks one) or adopts an inherited socket, hands each
// request to the route table (http_router.hpp), and drains gracefully on shutdown().
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>

#include "common/config.hpp"
#include "common/counters.hpp"
#include "common/log_limiter.hpp"
#include "common/result.hpp"
#include "common/tls_server_context.hpp"
#include "worker/codec/ws_frame_parser.hpp"
#include "worker/net/conn_table.hpp"
#include "worker/net/deadline_lists.hpp"
#include "worker/net/frame_compressor.hpp"
#include "worker/net/handler.hpp"
#include "worker/net/http_router.hpp"
#include "worker/net/socket_poller.hpp"
#include "worker/net/write_batcher.hpp"

namespace shoal::net {

// A view of the server's cells in its CounterBlock (stats()).
struct ServerStats {
    std::uint64_t accepted = 0;
    std::uint64_t refused_over_capacity = 0;  // answered 503
    std::uint64_t accept_errors = 0;          // accept() failed (out of descriptors)
    std::uint64_t ws_opened = 0;
    std::uint64_t protocol_errors = 0;  // closes and HTTP errors caused by the peer
    std::uint64_t slow_consumers = 0;   // closed over the send-queue bounds
    std::uint64_t idle_closes = 0;
    std::size_t peak_queued_bytes = 0;  // largest single send queue seen
};

class Connection;

class Server final : public Transport {
  public:
    static constexpr std::size_t kReadBufferBytes = 64 * 1024;

    // Counts into `counters` (a slot worker's block in the bus segment); the second form counts
    // into a block of its own (a worker without a bus, tests).
    Server(uv_loop_t* loop, const common::Config& config, common::CounterBlock& counters);
    Server(uv_loop_t* loop, const common::Config& config) : Server(loop, config, own_counters_) {}
    ~Server() override;
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds config.host:config.port, or adopts listen_fd when it is >= 0, and starts accepting.
    // With config.tls that port speaks TLS (the certificate is loaded here: a Config error when
    // it cannot be), and config.tls.plain_port (or plain_fd, when >= 0) serves plain beside it.
    // The router (and its handlers) must outlive the server.
    common::Result<void> start(const HttpRouter& router, int listen_fd = -1, int plain_fd = -1);
    std::uint16_t port() const noexcept { return port_; }
    std::uint16_t plain_port() const noexcept { return plain_port_; }

    // Reads --tls-cert/--tls-key again into a fresh context: handshakes from now on use it, open
    // connections keep the one they started with. On failure the current one stays.
    common::Result<void> reload_tls();

    // Stops accepting, lets the handler say goodbye, closes every WebSocket with 1001 and every
    // idle HTTP connection; held and streaming requests are abandoned (on_abandoned). done(arg)
    // runs once all are gone, or at the deadline (the rest are then cut). Afterwards the server's
    // handles are closed and the loop can end.
    void shutdown(std::uint32_t deadline_ms, void (*done)(void*), void* arg);
    bool shutting_down() const noexcept { return shutting_down_; }

    // Sockets plus the attached sink's virtual connections.
    std::uint32_t connection_count() const noexcept {
        std::uint32_t n = table_.size();
        for (const VirtualConnSink* v : virtual_)
            if (v) n += v->count();
        return n;
    }

    // Accept pacing, for workers sharing one listening socket: when pacer(ctx) returns true
    // before an accept, this worker stops watching the main port, so the others take what
    // comes. resume_accept() watches it again and takes one connection without asking the
    // pacer (the pacer must call it, e.g. from a short timer).
    using AcceptPacer = bool (*)(void* ctx);
    void pace_accepts_with(AcceptPacer pacer, void* ctx) noexcept {
        pacer_ = pacer;
        pacer_ctx_ = ctx;
    }
    void resume_accept();
    // fn(ctx) runs before each batch of socket writes (WriteBatcher::before_writes); null: none.
    void before_writes(WriteBatcher::BeforeWrites fn, void* ctx) noexcept {
        batcher_.before_writes(fn, ctx);
    }
    ServerStats stats() const noexcept;
    common::CounterBlock& counters() noexcept { return counters_; }
    // Every HTTP answer's status line (a response, a held answer, a stream's head), by class.
    void count_http_status(int status) noexcept {
        if (status >= 200 && status < 300) counters_.add(common::Counter::HttpResponses2xx);
        if (status >= 400 && status < 500) counters_.add(common::Counter::HttpResponses4xx);
        if (status >= 500 && status < 600) counters_.add(common::Counter::HttpResponses5xx);
    }

    // Transport
    void send(ConnId id, FrameRef frame) override;
    void close(ConnId id, std::uint16_t code, std::string_view reason) override;
    void respond(ConnId id, const HttpResponse& response) override;
    void begin_stream(ConnId id, int status, std::string_view content_type,
                      std::string_view extra_headers = {}) override;
    void stream_write(ConnId id, std::string_view bytes) override;
    void end_stream(ConnId id) override;
    std::uint64_t now_ms() const override { return uv_now(loop_); }
    bool attach_virtual(std::uint8_t kind, VirtualConnSink& sink) override;
    bool add_ticker(Ticker& t) override;

  private:
    friend class Connection;
    static void on_listener(uv_poll_t* h, int status, int events);
    common::Result<void> listen_on(uv_poll_t& handle, int fd, std::uint16_t port,
                                   std::uint16_t& bound_port);
    // accept4() until the backlog is empty (or a bound); the first one without asking the
    // pacer when ask_first is false (resume_accept).
    void accept_ready(bool main_port, bool ask_first);
    void adopt(int fd, bool main_port);
    // Out of descriptors: the reserve one makes room to accept and close what waits, so the
    // level-triggered listener does not wake the loop for ever (libuv's "EMFILE trick").
    void shed_backlog(int listen_fd);
    void close_listener(uv_poll_t& handle) noexcept;
    static void on_deadline(uv_timer_t* t);
    // Connection timeouts: one loop timer for the earliest entry of the deadline lists.
    void arm_timeout(Connection& c, std::uint8_t list, std::uint64_t delay_ms);
    void disarm_timeout(Connection& c) noexcept;
    static void on_timeouts(uv_timer_t* t);
    static void on_tick(uv_timer_t* t);
    void start_timeout_timer(std::uint64_t due_ms);
    void trim_pools(std::uint64_t now_ms) noexcept;
    static constexpr std::uint64_t kTrimEveryMs = 10'000;
    void on_connection_freed(ConnId id);
    void finish_shutdown();
    // Peer errors are logged at info level, at most kPeerLogsPerSecond a second.
    void log_peer(ConnId id, const char* text);
    static constexpr std::uint32_t kPeerLogsPerSecond = 20;
    template <class... Args>
    void warn_refusals(const char* fmt, Args... args);

    uv_loop_t* loop_;
    common::Config config_;
    const HttpRouter* router_ = nullptr;
    // The listening sockets, watched by poll handles like the connections (accept4 is ours).
    uv_poll_t listener_;
    uv_poll_t plain_listener_;  // --plain-port beside a TLS port; open only then
    bool listener_open_ = false;
    bool plain_listening_ = false;
    bool accept_starved_ = false;  // out of descriptors with no reserve: resumed by a close
    int reserve_fd_ = -1;          // held for shed_backlog()
    std::uint16_t plain_port_ = 0;
    // TLS: the context new connections get, and the buffers every TLS connection shares (one
    // connection is in OpenSSL at a time): decrypted input, small frames gathered into a record,
    // and the ciphertext of the current call. Allocated only when TLS is configured.
    common::SslCtxPtr tls_ctx_;
    std::unique_ptr<char[]> tls_plain_;
    std::unique_ptr<char[]> tls_gather_;
    std::string tls_out_;
    std::unique_ptr<FrameCompressor> compressor_;  // when --compression is not off
    uv_timer_t deadline_;
    uv_timer_t timeout_timer_;
    uv_timer_t tick_timer_;  // runs while tickers_ is not empty
    std::vector<Ticker*> tickers_;
    std::array<VirtualConnSink*, kVirtualKinds> virtual_{};
    std::uint64_t timeout_due_ = DeadlineLists::kNever;  // when timeout_timer_ fires
    std::uint64_t last_trim_ms_ = 0;
    DeadlineLists timeouts_;
    bool listening_ = false;
    bool listener_nodelay_ = false;  // accepted sockets inherit it
    bool shutting_down_ = false;
    bool handles_closed_ = false;
    common::LogLimiter peer_log_{kPeerLogsPerSecond};
    std::uint64_t refusal_warned_ms_ = 0;  // the last line about refused clients
    std::uint16_t port_ = 0;
    AcceptPacer pacer_ = nullptr;
    void* pacer_ctx_ = nullptr;
    bool accept_pending_ = false;
    void (*done_)(void*) = nullptr;
    void* done_arg_ = nullptr;
    WriteBatcher batcher_;
    SocketPoller poller_;  // every connection's socket
    ConnTable table_;
    common::CounterBlock own_counters_{};
    common::CounterBlock& counters_;
    std::size_t peak_queued_bytes_;        // the block's high-water mark, compared without a load
    std::vector<Header> scratch_headers_;  // one request is handled at a time on the loop
    alignas(16) std::array<char, kReadBufferBytes> read_buffer_;
    // The frame parser of every WebSocket read whose connection has no cut frame: a connection
    // keeps one of its own only while a frame or message spans reads (memory per connection).
    codec::WsFrameParser ws_parser_;
    bool ws_parser_busy_ = false;
};

}  // namespace shoal::net
