// SPDX-License-Identifier: MIT
// ApiPublisher and its keep-alive connections. A request's deliveries are owed from the moment
// it is written; a non-2xx answer takes them back, so `expected` only counts accepted events.
#include "bench/loadgen/api_publisher.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "bench/loadgen/bench_stamp.hpp"
#include "bench/loadgen/http_reply_scan.hpp"
#include "bench/loadgen/pusher_sign.hpp"
#include "bench/loadgen/pusher_wire.hpp"
#include "common/clock.hpp"

namespace shoal::loadgen {

class ApiConnection final : public Pollable {
  public:
    explicit ApiConnection(RunState& run) : run_(run) {}
    ~ApiConnection() { close_socket(); }

    void start(const sockaddr_in& source, const sockaddr_in& dest) {
        in_.clear();  // nothing of an earlier connection's answer carries over
        auto fd = start_connect(source, dest);
        if (!fd) return;
        fd_ = fd.value();
        connecting_ = true;
        if (!run_.loop.add(fd_, this, EPOLLOUT)) close_socket();
    }
    bool dead() const noexcept { return fd_ < 0; }
    bool idle() const noexcept { return fd_ >= 0 && !connecting_ && events_ == 0; }
    bool busy() const noexcept { return fd_ >= 0 && events_ > 0; }
    bool connected() const noexcept { return fd_ >= 0 && !connecting_; }

    void send(const std::string& request, std::uint32_t events, std::uint64_t expected) {
        out_ = request;
        written_ = 0;
        events_ = events;
        expected_ = expected;
        run_.publish.expected += expected;
        run_.publish.events += events;
        write_some();
    }

    void on_io(std::uint32_t events) override {
        if (fd_ < 0) return;
        if (connecting_) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) return close_socket();
            connecting_ = false;
            run_.loop.modify(fd_, this, EPOLLIN);
            return;
        }
        if ((events & EPOLLOUT) != 0 && written_ < out_.size()) write_some();
        if (fd_ >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) read_some();
    }

    void close_socket() noexcept {
        if (fd_ < 0) return;
        ::close(fd_);
        fd_ = -1;
        if (events_ > 0) reject();
    }

  private:
    void reject() noexcept {
        ++run_.publish.requests_failed;
        run_.publish.events -= events_;
        run_.publish.events_rejected += events_;
        run_.publish.expected -= expected_;
        events_ = 0;
        expected_ = 0;
    }

    void write_some() {
        const ssize_t n = ::send(fd_, out_.data() + written_, out_.size() - written_,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return close_socket();
        }
        if (n > 0) written_ += static_cast<std::size_t>(n);
        run_.loop.modify(fd_, this, written_ < out_.size() ? EPOLLIN | EPOLLOUT : EPOLLIN);
    }

    void read_some() {
        char buf[16384];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        if (n <= 0) return close_socket();
        in_.append(buf, static_cast<std::size_t>(n));
        HttpResponseHead head;
        const HttpScan scan = scan_http_response(in_, head);
        if (scan == HttpScan::NeedMore) return;
        if (scan == HttpScan::Error || events_ == 0) return close_socket();
        std::size_t body = head.content_length;
        if (head.chunked) {
            const HttpScan chunks =
                scan_chunked_body(std::string_view(in_).substr(head.header_bytes), body);
            if (chunks == HttpScan::NeedMore) return;
            if (chunks == HttpScan::Error) return close_socket();
        }
        if (in_.size() < head.header_bytes + body) return;
        in_.erase(0, head.header_bytes + body);
        if (head.status >= 200 && head.status < 300) {
            ++run_.publish.requests;
            events_ = 0;
            expected_ = 0;
        } else {
            reject();
        }
        if (head.close) close_socket();
    }

    RunState& run_;
    int fd_ = -1;
    bool connecting_ = false;
    std::uint32_t events_ = 0;  // events in the request in flight; 0 when idle
    std::uint64_t expected_ = 0;
    std::string out_;
    std::size_t written_ = 0;
    std::string in_;
};

void build_signed_post(std::string& out, const LoadOptions& options, const std::string& path,
                       const std::string& body, std::uint64_t unix_seconds) {
    out.clear();
    out.append("POST ").append(path).append("?");
    out.append(signed_query(options.app, "POST", path, body, unix_seconds));
    out.append(" HTTP/1.1\r\nHost: ").append(options.host).append(":");
    out.append(std::to_string(options.port));
    out.append("\r\nContent-Type: application/json\r\nContent-Length: ");
    out.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
}

ApiPublisher::ApiPublisher(RunState& run, const sockaddr_in& source, const sockaddr_in& dest)
    : run_(run),
      source_(source),
      dest_(dest),
      path_("/apps/" + run.options.app.id + "/batch_events"),
      data_(make_stamped_data(run.options.payload_bytes, {}, run.options.payload_fill)) {}

ApiPublisher::~ApiPublisher() = default;

void ApiPublisher::start() {
    for (int i = 0; i < run_.options.api_connections; ++i) {
        conns_.push_back(std::make_unique<ApiConnection>(run_));
        conns_.back()->start(source_, dest_);
    }
}

int ApiPublisher::connected() const noexcept {
    int n = 0;
    for (const auto& c : conns_)
        n += c->connected() ? 1 : 0;
    return n;
}

bool ApiPublisher::in_flight() const noexcept {
    for (const auto& c : conns_) {
        if (c->busy()) return true;
    }
    return false;
}

std::uint64_t ApiPublisher::publish(std::uint64_t events) {
    std::uint64_t sent = 0;
    const auto channels = static_cast<std::uint64_t>(run_.channels.size());
    for (auto& conn : conns_) {
        if (sent >= events) break;
        if (conn->dead() && run_.publish.reconnects < 1000) {
            ++run_.publish.reconnects;
            conn->start(source_, dest_);
        }
        if (!conn->idle()) continue;
        const std::uint64_t n =
            std::min<std::uint64_t>(events - sent, static_cast<std::uint64_t>(run_.options.batch));
        std::uint64_t expected = 0;
        const std::uint64_t now = common::monotonic_ns();
        begin_batch(body_);
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::uint64_t ch = next_channel_++ % channels;
            restamp(data_.data(), Stamp{seq_++, now});
            append_batch_event(body_, run_.channels[ch], "bench", data_);
            expected += run_.subscribers_of[ch];
        }
        end_batch(body_);
        build_signed_post(request_, run_.options, path_, body_,
                          static_cast<std::uint64_t>(::time(nullptr)));
        conn->send(request_, static_cast<std::uint32_t>(n), expected);
        sent += n;
    }
    return sent;
}

}  // namespace shoal::loadgen
