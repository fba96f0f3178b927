// SPDX-License-Identifier: MIT
// Server: listen/adopt, accept (503 over max_connections), the Transport entry points, and the
// graceful drain.
#include "worker/net/server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/assert.hpp"
#include "common/log.hpp"
#include "worker/net/connection.hpp"

namespace shoal::net {

using common::Counter;

namespace {

int listener_fd(const uv_poll_t& handle) noexcept {
    uv_os_fd_t fd = -1;
    uv_fileno(reinterpret_cast<const uv_handle_t*>(&handle), &fd);
    return fd;
}

}  // namespace

Server::Server(uv_loop_t* loop, const common::Config& config, common::CounterBlock& counters)
    : loop_(loop),
      config_(config),
      batcher_(loop),
      counters_(counters),
      peak_queued_bytes_(counters.get(Counter::SendQueuePeakBytes)) {
    uv_timer_init(loop_, &deadline_);
    uv_timer_init(loop_, &timeout_timer_);
    uv_timer_init(loop_, &tick_timer_);
    uv_unref(reinterpret_cast<uv_handle_t*>(&tick_timer_));
    tick_timer_.data = this;
    // Connections keep the loop alive; a timeout left armed by a gone connection must not.
    uv_unref(reinterpret_cast<uv_handle_t*>(&timeout_timer_));
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
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
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
    if (SendQueue::pooled_rings() > 0) next = std::min(next, now + kTrimEveryMs);
    if (next != DeadlineLists::kNever && next < s->timeout_due_) s->start_timeout_timer(next);
}

void Server::trim_pools(std::uint64_t now_ms) noexcept {
    // What a backlog borrowed and has not needed again for a whole period goes back.
    if (now_ms - last_trim_ms_ < kTrimEveryMs) return;
    last_trim_ms_ = now_ms;
    SendQueue::trim_pool();
}

common::Result<void> Server::listen_on(uv_poll_t& handle, int fd, std::uint16_t port,
                                       std::uint16_t& bound_port) {
    const std::string where = config_.host + ":" + std::to_string(port);
    if (fd < 0) {
        sockaddr_storage addr{};
        const bool v6 = config_.host.find(':') != std::string::npos;
        int r = v6 ? uv_ip6_addr(config_.host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
                   : uv_ip4_addr(config_.host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
        if (r != 0)
            return common::Error{common::Errc::Config, -r,
                                 "invalid listen address: " + config_.host};
        fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return common::sys_error("socket() failed: " + where);
        const int one = 1, zero = 0;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (v6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        const socklen_t len = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
            const int err = errno;
            ::close(fd);
            return common::sys_error("bind() failed: " + where, err);
        }
    }
    // An adopted socket is listening already; listen() again only sets the backlog. The fd is
    // owned from here on (closed with the handle).
    if (::listen(fd, 511) != 0) {
        const int err = errno;
        ::close(fd);
        return common::sys_error("listen() failed: " + where, err);
    }
    // uv_poll_init makes the socket non-blocking (an inherited one may not be): accept4 must
    // answer EAGAIN when another worker took the connection.
    if (int r = uv_poll_init(loop_, &handle, fd); r != 0) {
        ::close(fd);
        return common::sys_error("uv_poll_init() failed: listener " + where, -r);
    }
    handle.data = this;
    if (&handle == &listener_) {
        listener_open_ = true;
    } else {
        plain_listening_ = true;
    }
    if (int r = uv_poll_start(&handle, UV_READABLE, on_listener); r != 0)
        return common::sys_error("uv_poll_start() failed: listener " + where, -r);
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
        bound_port =
            ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    return {};
}

common::Result<void> Server::start(const HttpRouter& router, int listen_fd, int plain_fd) {
    router_ = &router;
    if (!poller_.started()) {
        auto p = poller_.start(
            loop_,
            [](void* ctx, std::uint64_t id, std::uint32_t events) {
                // A socket closed earlier in this batch: its connection is Closed, or gone.
                Connection* c = static_cast<Server*>(ctx)->table_.find(id);
                if (c && c->state_ != ConnState::Closed) c->on_events(events);
            },
            this);
        if (!p) return p.error();
    }
    if (config_.tls.enabled()) {
        auto ctx = common::make_tls_server_context(config_.tls.cert_file, config_.tls.key_file);
        if (!ctx) return ctx.error();
        tls_ctx_ = std::move(ctx.value());
        tls_plain_ = std::make_unique<char[]>(kReadBufferBytes);
        tls_gather_ = std::make_unique<char[]>(TlsSession::kRecordBytes);
        // A batch of records plus a handshake flight: appends never reallocate after this.
        tls_out_.reserve(5 * TlsSession::kRecordBytes);
    }
    // Out of descriptors, accept4 fails until one is free; this one is given up to make room
    // (shed_backlog). Without it the worker still serves, and waits for a close instead.
    if (reserve_fd_ < 0) reserve_fd_ = ::open("/", O_RDONLY | O_CLOEXEC);
    if (auto r = listen_on(listener_, listen_fd, config_.port, port_); !r) return r;
    listening_ = true;
    // Accepted sockets inherit TCP_NODELAY from the listener (Linux): one system call fewer per
    // connection than setting it on each.
    const int one = 1;
    listener_nodelay_ =
        ::setsockopt(listener_fd(listener_), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0;
    if (tls_ctx_ && (plain_fd >= 0 || config_.tls.plain_port != 0)) {
        if (auto r = listen_on(plain_listener_, plain_fd, config_.tls.plain_port, plain_port_); !r)
            return r;
        ::setsockopt(listener_fd(plain_listener_), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
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

void Server::on_listener(uv_poll_t* h, int status, int) {
    auto* s = static_cast<Server*>(h->data);
    const bool main_port = h == &s->listener_;
    if (status < 0) {
        // POLLERR on a listening socket (never seen): libuv stopped the handle. Watching it
        // again could spin on the error; the other workers keep taking the shared port.
        s->counters_.add(Counter::AcceptErrors);
        SHOAL_WARN("listening socket failed (%s): this worker accepts no more connections",
                   uv_strerror(status));
        return;
    }
    s->accept_ready(main_port, true);
}

void Server::accept_ready(bool main_port, bool ask_first) {
    uv_poll_t& handle = main_port ? listener_ : plain_listener_;
    const int lfd = listener_fd(handle);
    // Bounded, so a flood of connections leaves the loop its other work; the level-triggered
    // poll brings the rest on the next iteration.
    for (int n = 0; n < 256; ++n) {
        // Pacing spreads the main port's connections over the workers; the plain port beside
        // a TLS one (a proxy, a health checker) is taken as it comes.
        if (main_port && pacer_ && (ask_first || n > 0) && !shutting_down_ && pacer_(pacer_ctx_)) {
            accept_pending_ = true;
            uv_poll_stop(&handle);
            return;
        }
        const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            adopt(fd, main_port);
            continue;
        }
        const int err = errno;
        if (err == EINTR || err == ECONNABORTED) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return;  // another worker took it
        counters_.add(Counter::AcceptErrors);
        warn_refusals("accept failed: %s", std::strerror(err));
        if (err == EMFILE || err == ENFILE) shed_backlog(lfd);
        return;
    }
}

void Server::shed_backlog(int lfd) {
    if (reserve_fd_ < 0) {
        // Nothing to give up: stop watching until a connection closes (on_connection_freed).
        accept_starved_ = true;
        if (listener_open_) uv_poll_stop(&listener_);
        if (plain_listening_) uv_poll_stop(&plain_listener_);
        return;
    }
    ::close(reserve_fd_);
    reserve_fd_ = -1;
    // What waits is closed unanswered: there is no descriptor to answer it with.
    for (;;) {
        const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
            ::close(fd);
            continue;
        }
        if (errno != EINTR && errno != ECONNABORTED) break;
    }
    reserve_fd_ = ::open("/", O_RDONLY | O_CLOEXEC);
}

void Server::adopt(int fd, bool main_port) {
    auto* c = new Connection(*this, 0);
    c->id_ = table_.add(c);
    if (!c->open(fd, main_port ? tls_ctx_.get() : nullptr)) return;
    counters_.add(Counter::ConnectionsAccepted);
    if (connection_count() > config_.limits.max_connections || shutting_down_) {
        counters_.add(Counter::ConnectionsRefused);
        if (!shutting_down_)
            warn_refusals("over capacity (%u connections)", config_.limits.max_connections);
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
    accept_pending_ = false;
    if (!accept_starved_) uv_poll_start(&listener_, UV_READABLE, on_listener);
    accept_ready(true, false);
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
    if (listener_open_) close_listener(listener_);
    listener_open_ = listening_ = false;
    if (plain_listening_) {
        close_listener(plain_listener_);
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

void Server::close_listener(uv_poll_t& handle) noexcept {
    const int fd = listener_fd(handle);
    uv_close(reinterpret_cast<uv_handle_t*>(&handle), nullptr);
    ::close(fd);
}

void Server::on_connection_freed(ConnId id) {
    table_.remove(id);
    if (accept_starved_ && !shutting_down_) {
        // A descriptor is free again: accept where it stopped.
        accept_starved_ = false;
        if (reserve_fd_ < 0) reserve_fd_ = ::open("/", O_RDONLY | O_CLOEXEC);
        if (listening_ && !accept_pending_) uv_poll_start(&listener_, UV_READABLE, on_listener);
        if (plain_listening_) uv_poll_start(&plain_listener_, UV_READABLE, on_listener);
    }
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
    poller_.close();
    if (done_) done_(done_arg_);
}

}  // namespace shoal::net
