// SPDX-License-Identifier: MIT
// Server: listen/adopt, accept (503 over max_connections), the Transport entry points, and the
// graceful drain.
#include "worker/net/server.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/assert.hpp"
#include "common/log.hpp"
#include "worker/net/connection.hpp"

namespace shoal::net {

using common::Counter;

Server::Server(uv_loop_t* loop, const common::Config& config, common::CounterBlock& counters)
    : loop_(loop),
      config_(config),
      batcher_(loop),
      counters_(counters),
      peak_queued_bytes_(counters.get(Counter::SendQueuePeakBytes)) {
    uv_tcp_init(loop_, &listener_);
    uv_timer_init(loop_, &deadline_);
    uv_timer_init(loop_, &timeout_timer_);
    uv_timer_init(loop_, &tick_timer_);
    uv_unref(reinterpret_cast<uv_handle_t*>(&tick_timer_));
    tick_timer_.data = this;
    // Connections keep the loop alive; a timeout left armed by a gone connection must not.
    uv_unref(reinterpret_cast<uv_handle_t*>(&timeout_timer_));
    listener_.data = this;
    deadline_.data = this;
    timeout_timer_.data = this;
    scratch_headers_.reserve(64);
    if (config_.compression.mode != common::Compression::Off)
        compressor_ = std::make_unique<FrameCompressor>(config_.compression,
                                                        config_.limits.max_message_bytes);
}

Server::~Server() {
    // The handles live inside this object: the loop must have closed them (shutdown()).
    SHOAL_ASSERT(handles_closed_);
    while (free_requests_) {
        ConnRequest* r = free_requests_;
        free_requests_ = r->next_free;
        delete r;
    }
}

void Server::arm_timeout(Connection& c, std::uint8_t list, std::uint64_t delay_ms) {
    const std::uint64_t now = uv_now(loop_);
    timeouts_.arm(c, list, now + delay_ms);
    if (now + delay_ms < timeout_due_) start_timeout_timer(now + delay_ms);
}

void Server::disarm_timeout(Connection& c) noexcept {
    // The loop timer stays as it is: firing early finds nothing due and re-arms for the next.
    timeouts_.disarm(c);
}

void Server::start_timeout_timer(std::uint64_t due_ms) {
    if (handles_closed_) return;
    const std::uint64_t now = uv_now(loop_);
    timeout_due_ = due_ms;
    uv_timer_start(&timeout_timer_, on_timeouts, due_ms > now ? due_ms - now : 0, 0);
}

void Server::on_timeouts(uv_timer_t* t) {
    auto* s = static_cast<Server*>(t->data);
    s->timeout_due_ = DeadlineLists::kNever;
    const std::uint64_t now = uv_now(s->loop_);
    // A connection's timeout may close it or arm another timeout; both are safe here (the
    // connection is freed only from its handle's close callback, in a later loop phase).
    while (DeadlineLink* link = s->timeouts_.pop_due(now))
        static_cast<Connection*>(link)->on_timeout();
    s->trim_pools(now);
    std::uint64_t next = s->timeouts_.next_due();
    if (SendQueue::pooled_rings() > 0 || s->free_request_count_ > 0)
        next = std::min(next, now + kTrimEveryMs);
    if (next != DeadlineLists::kNever && next < s->timeout_due_) s->start_timeout_timer(next);
}

ConnRequest* Server::take_request() {
    if (!free_requests_) return new ConnRequest;
    ConnRequest* r = free_requests_;
    free_requests_ = r->next_free;
    if (--free_request_count_ < free_request_low_) free_request_low_ = free_request_count_;
    return r;
}

void Server::give_request(ConnRequest* r) noexcept {
    r->next_free = free_requests_;
    free_requests_ = r;
    ++free_request_count_;
}

void Server::trim_pools(std::uint64_t now_ms) noexcept {
    // What a backlog borrowed and has not needed again for a whole period goes back.
    if (now_ms - last_trim_ms_ < kTrimEveryMs) return;
    last_trim_ms_ = now_ms;
    SendQueue::trim_pool();
    for (std::size_t i = 0; i < free_request_low_ && free_requests_; ++i) {
        ConnRequest* r = free_requests_;
        free_requests_ = r->next_free;
        --free_request_count_;
        delete r;
    }
    free_request_low_ = free_request_count_;
}

common::Result<void> Server::listen_on(uv_tcp_t& handle, int fd, std::uint16_t port,
                                       std::uint16_t& bound_port) {
    int r;
    if (fd >= 0) {
        r = uv_tcp_open(&handle, fd);
        if (r != 0) return common::sys_error("uv_tcp_open() failed: fd=" + std::to_string(fd), -r);
    } else {
        sockaddr_storage addr{};
        const bool v6 = config_.host.find(':') != std::string::npos;
        r = v6 ? uv_ip6_addr(config_.host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
               : uv_ip4_addr(config_.host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
        if (r != 0)
            return common::Error{common::Errc::Config, -r,
                                 "invalid listen address: " + config_.host};
        r = uv_tcp_bind(&handle, reinterpret_cast<const sockaddr*>(&addr), 0);
        if (r != 0) return common::sys_error("bind() failed: " + config_.host, -r);
    }
    // libuv reports a bind() conflict (EADDRINUSE) here, at listen().
    r = uv_listen(reinterpret_cast<uv_stream_t*>(&handle), 511, on_connection);
    if (r != 0)
        return common::sys_error("listen() failed: " + config_.host + ":" + std::to_string(port),
                                 -r);
    sockaddr_storage bound{};
    int len = sizeof(bound);
    if (uv_tcp_getsockname(&handle, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
        bound_port =
            ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    return {};
}

common::Result<void> Server::start(const HttpRouter& router, int listen_fd, int plain_fd) {
    router_ = &router;
    if (config_.tls.enabled()) {
        auto ctx = common::make_tls_server_context(config_.tls.cert_file, config_.tls.key_file);
        if (!ctx) return ctx.error();
        tls_ctx_ = std::move(ctx.value());
        tls_plain_ = std::make_unique<char[]>(kReadBufferBytes);
        tls_gather_ = std::make_unique<char[]>(TlsSession::kRecordBytes);
        // A batch of records plus a handshake flight: appends never reallocate after this.
        tls_out_.reserve(5 * TlsSession::kRecordBytes);
    }
    if (auto r = listen_on(listener_, listen_fd, config_.port, port_); !r) return r;
    listening_ = true;
    // Accepted sockets inherit TCP_NODELAY from the listener (Linux): one system call fewer per
    // connection than setting it on each.
    listener_nodelay_ = uv_tcp_nodelay(&listener_, 1) == 0;
    if (tls_ctx_ && (plain_fd >= 0 || config_.tls.plain_port != 0)) {
        uv_tcp_init(loop_, &plain_listener_);
        plain_listener_.data = this;
        plain_listening_ = true;
        if (auto r = listen_on(plain_listener_, plain_fd, config_.tls.plain_port, plain_port_); !r)
            return r;
        uv_tcp_nodelay(&plain_listener_, 1);
    }
    SHOAL_INFO("listening on %s:%u%s%s", config_.host.c_str(), port_, tls_ctx_ ? " (TLS)" : "",
               listen_fd >= 0 ? " (inherited socket)" : "");
    if (tls_ctx_) {
        SHOAL_INFO("TLS certificate: %s", common::describe_certificate(tls_ctx_.get()).c_str());
        if (plain_listening_) SHOAL_INFO("plain HTTP on %s:%u", config_.host.c_str(), plain_port_);
    }
    return {};
}

common::Result<void> Server::reload_tls() {
    if (!tls_ctx_) return {};
    auto ctx = common::make_tls_server_context(config_.tls.cert_file, config_.tls.key_file);
    if (!ctx) return ctx.error();
    // Each open connection's SSL holds its own reference to the context it began with.
    tls_ctx_ = std::move(ctx.value());
    SHOAL_INFO("TLS certificate reloaded: %s",
               common::describe_certificate(tls_ctx_.get()).c_str());
    return {};
}

void Server::on_connection(uv_stream_t* listener, int status) {
    auto* s = static_cast<Server*>(listener->data);
    if (status < 0) {
        s->counters_.add(Counter::AcceptErrors);
        s->warn_refusals("accept failed: %s", uv_strerror(status));
        return;
    }
    const bool main_port = listener == reinterpret_cast<uv_stream_t*>(&s->listener_);
    // Pacing spreads the main port's connections over the workers; the plain port beside a
    // TLS one (a proxy, a health checker) is taken as it comes.
    if (main_port && s->pacer_ && !s->accept_pending_ && !s->shutting_down_ &&
        s->pacer_(s->pacer_ctx_)) {
        s->accept_pending_ = true;  // libuv stops watching the listener until uv_accept
        return;
    }
    if (main_port) s->accept_pending_ = false;
    auto* c = new Connection(*s, 0);
    c->id_ = s->table_.add(c);
    if (!c->accept(listener, main_port ? s->tls_ctx_.get() : nullptr)) return;
    s->counters_.add(Counter::ConnectionsAccepted);
    if (s->connection_count() > s->config_.limits.max_connections || s->shutting_down_) {
        s->counters_.add(Counter::ConnectionsRefused);
        if (!s->shutting_down_)
            s->warn_refusals("over capacity (%u connections)", s->config_.limits.max_connections);
        c->refuse(codec::ProtocolError::HttpOverCapacity);
    }
}

// One line a second at most: a flood of refused clients must not become a flood of log lines.
template <class... Args>
void Server::warn_refusals(const char* fmt, Args... args) {
    const std::uint64_t now = uv_now(loop_);
    if (refusal_warned_ms_ != 0 && now < refusal_warned_ms_ + 1000) return;
    refusal_warned_ms_ = now;
    char what[160];
    std::snprintf(what, sizeof what, fmt, args...);
    SHOAL_WARN("%s: refusing clients (%llu over capacity, %llu accept errors so far)", what,
               static_cast<unsigned long long>(counters_.get(Counter::ConnectionsRefused)),
               static_cast<unsigned long long>(counters_.get(Counter::AcceptErrors)));
}

ServerStats Server::stats() const noexcept {
    ServerStats s;
    s.accepted = counters_.get(Counter::ConnectionsAccepted);
    s.refused_over_capacity = counters_.get(Counter::ConnectionsRefused);
    s.accept_errors = counters_.get(Counter::AcceptErrors);
    s.ws_opened = counters_.get(Counter::WebsocketsOpened);
    s.protocol_errors = counters_.get(Counter::ProtocolErrors);
    s.slow_consumers = counters_.get(Counter::SlowConsumerCloses);
    s.idle_closes = counters_.get(Counter::IdleCloses);
    s.peak_queued_bytes = counters_.get(Counter::SendQueuePeakBytes);
    return s;
}

void Server::resume_accept() {
    if (!accept_pending_ || !listening_) return;
    on_connection(reinterpret_cast<uv_stream_t*>(&listener_), 0);
}

void Server::send(ConnId id, FrameRef frame) {
    if (id & kVirtualConnBit) {
        if (VirtualConnSink* v = virtual_[virtual_kind_of(id)]) v->send(id, std::move(frame));
    } else if (Connection* c = table_.find(id)) {
        c->send(std::move(frame));
    }
}

void Server::close(ConnId id, std::uint16_t code, std::string_view reason) {
    if (id & kVirtualConnBit) {
        if (VirtualConnSink* v = virtual_[virtual_kind_of(id)]) v->close(id, code, reason);
    } else if (Connection* c = table_.find(id)) {
        c->close_ws(code, reason);
    }
}

bool Server::attach_virtual(std::uint8_t kind, VirtualConnSink& sink) {
    SHOAL_ASSERT(kind < kVirtualKinds && (virtual_[kind] == nullptr || virtual_[kind] == &sink));
    virtual_[kind] = &sink;
    return true;
}

bool Server::add_ticker(Ticker& t) {
    if (handles_closed_) return false;
    tickers_.push_back(&t);
    if (tickers_.size() == 1)
        uv_timer_start(&tick_timer_, on_tick, Ticker::kTickMs, Ticker::kTickMs);
    return true;
}

void Server::on_tick(uv_timer_t* t) {
    auto* s = static_cast<Server*>(t->data);
    const std::uint64_t now = uv_now(s->loop_);
    for (Ticker* ticker : s->tickers_)
        ticker->on_tick(now);
}

void Server::respond(ConnId id, const HttpResponse& response) {
    if (Connection* c = table_.find(id)) c->respond_held(response);
}

void Server::begin_stream(ConnId id, int status, std::string_view content_type,
                          std::string_view extra_headers) {
    if (Connection* c = table_.find(id)) c->begin_stream(status, content_type, extra_headers);
}

void Server::stream_write(ConnId id, std::string_view bytes) {
    if (Connection* c = table_.find(id)) c->stream_write(bytes);
}

void Server::end_stream(ConnId id) {
    if (Connection* c = table_.find(id)) c->end_stream();
}

void Server::log_peer(ConnId id, const char* text) {
    std::uint64_t dropped = 0;
    const bool log = peer_log_.allow(uv_now(loop_), dropped);
    if (dropped > 0)
        SHOAL_INFO("%llu peer errors not logged", static_cast<unsigned long long>(dropped));
    if (log) SHOAL_INFO("connection %llx closed: %s", static_cast<unsigned long long>(id), text);
}

void Server::shutdown(std::uint32_t deadline_ms, void (*done)(void*), void* arg) {
    if (shutting_down_) return;
    shutting_down_ = true;
    done_ = done;
    done_arg_ = arg;
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    listening_ = false;
    if (plain_listening_) {
        uv_close(reinterpret_cast<uv_handle_t*>(&plain_listener_), nullptr);
        plain_listening_ = false;
    }
    for (Ticker* t : tickers_)
        t->on_shutdown();
    std::uint32_t ws = 0;
    table_.for_each([&](Connection& c) {
        if (c.is_ws()) {
            ++ws;
            c.ws_handler().on_shutdown(c.id());
            c.close_ws(1001, "server shutting down");
        } else if (c.holds_request()) {
            c.abandon_held();
        } else {
            c.close_idle_http();
        }
    });
    SHOAL_INFO("shutting down: %u connections (%u WebSocket) to drain, deadline %u ms",
               table_.size(), ws, deadline_ms);
    if (table_.size() == 0) {
        finish_shutdown();
        return;
    }
    uv_timer_start(&deadline_, on_deadline, deadline_ms, 0);
}

void Server::on_deadline(uv_timer_t* t) {
    auto* s = static_cast<Server*>(t->data);
    SHOAL_WARN("shutdown deadline reached: cutting %u connections", s->table_.size());
    s->table_.for_each([](Connection& c) { c.destroy(); });
}

void Server::on_connection_freed(ConnId id) {
    table_.remove(id);
    if (shutting_down_ && table_.size() == 0) finish_shutdown();
}

void Server::finish_shutdown() {
    if (handles_closed_) return;
    handles_closed_ = true;
    uv_timer_stop(&deadline_);
    uv_close(reinterpret_cast<uv_handle_t*>(&deadline_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&timeout_timer_), nullptr);
    uv_timer_stop(&tick_timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_timer_), nullptr);
    batcher_.close();
    if (done_) done_(done_arg_);
}

}  // namespace shoal::net
