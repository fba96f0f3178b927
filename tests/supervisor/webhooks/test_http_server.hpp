// SPDX-License-Identifier: MIT
// A small HTTP/1.1 server on a libuv loop for the webhook tests: it keeps every request (head
// and body) and answers each with the status the test chooses, or not at all (a hanging
// receiver). Keep-alive: several requests may arrive on one connection.
#pragma once

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>

namespace shoal::test {

struct SeenRequest {
    std::string head;
    std::string body;
    std::string header(const std::string& name) const {
        // Case-insensitive search of "\r\nName: value".
        std::string h = head, n = "\r\n" + name + ":";
        for (auto& c : h)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto& c : n)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto at = h.find(n);
        if (at == std::string::npos) return {};
        at += n.size();
        auto end = head.find("\r\n", at);
        std::string v = head.substr(at, end - at);
        while (!v.empty() && v.front() == ' ')
            v.erase(v.begin());
        return v;
    }
};

class TestHttpServer {
  public:
    // status(i) for the i-th request (0-based): the status to answer, or 0 to never answer.
    TestHttpServer(uv_loop_t* loop, std::function<int(std::size_t)> status)
        : loop_(loop), status_(std::move(status)) {
        uv_tcp_init(loop, &server_);
        server_.data = this;
        sockaddr_in addr{};
        uv_ip4_addr("127.0.0.1", 0, &addr);
        uv_tcp_bind(&server_, reinterpret_cast<const sockaddr*>(&addr), 0);
        uv_listen(reinterpret_cast<uv_stream_t*>(&server_), 64,
                  [](uv_stream_t* s, int) { static_cast<TestHttpServer*>(s->data)->accept(); });
        sockaddr_storage name{};
        int len = sizeof name;
        uv_tcp_getsockname(&server_, reinterpret_cast<sockaddr*>(&name), &len);
        port_ = ntohs(reinterpret_cast<sockaddr_in*>(&name)->sin_port);
    }
    ~TestHttpServer() { close(); }

    std::string url(const char* path = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    const std::vector<SeenRequest>& requests() const { return requests_; }
    std::size_t connections() const { return conns_.size(); }
    void close() {
        if (closed_) return;
        closed_ = true;
        for (auto& c : conns_)
            if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&c->tcp)))
                uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&server_), nullptr);
    }

  private:
    struct Conn {
        uv_tcp_t tcp{};
        std::string in;
        TestHttpServer* self = nullptr;
    };

    void accept() {
        auto c = std::make_unique<Conn>();
        c->self = this;
        uv_tcp_init(loop_, &c->tcp);
        c->tcp.data = c.get();
        if (uv_accept(reinterpret_cast<uv_stream_t*>(&server_),
                      reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0)
            return;
        uv_read_start(
            reinterpret_cast<uv_stream_t*>(&c->tcp),
            [](uv_handle_t*, size_t, uv_buf_t* b) {
                static char buf[65536];
                *b = uv_buf_init(buf, sizeof buf);
            },
            [](uv_stream_t* s, ssize_t n, const uv_buf_t* b) {
                auto* conn = static_cast<Conn*>(s->data);
                if (n < 0) {
                    uv_read_stop(s);
                    return;
                }
                conn->in.append(b->base, static_cast<std::size_t>(n));
                conn->self->parse(*conn);
            });
        conns_.push_back(std::move(c));
    }

    void parse(Conn& c) {
        for (;;) {
            auto end = c.in.find("\r\n\r\n");
            if (end == std::string::npos) return;
            SeenRequest r;
            r.head = c.in.substr(0, end + 2);
            const std::size_t length =
                std::strtoul(r.header("Content-Length").c_str(), nullptr, 10);
            if (c.in.size() < end + 4 + length) return;
            r.body = c.in.substr(end + 4, length);
            c.in.erase(0, end + 4 + length);
            const int status = status_(requests_.size());
            requests_.push_back(std::move(r));
            if (status == 0) continue;  // hang: never answer
            struct Out {
                uv_write_t req{};
                std::string text;
            };
            auto* o = new Out;
            o->text = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 2\r\n\r\nok";
            o->req.data = o;
            uv_buf_t buf = uv_buf_init(o->text.data(), static_cast<unsigned>(o->text.size()));
            uv_write(&o->req, reinterpret_cast<uv_stream_t*>(&c.tcp), &buf, 1,
                     [](uv_write_t* w, int) { delete static_cast<Out*>(w->data); });
        }
    }

    uv_loop_t* loop_;
    std::function<int(std::size_t)> status_;
    uv_tcp_t server_{};
    int port_ = 0;
    bool closed_ = false;
    std::vector<std::unique_ptr<Conn>> conns_;
    std::vector<SeenRequest> requests_;
};

// Runs the loop until pred() or the deadline (ms of loop time); false on the deadline.
inline bool run_until(uv_loop_t* loop, const std::function<bool()>& pred, std::uint64_t ms) {
    uv_update_time(loop);
    const std::uint64_t end = uv_now(loop) + ms;
    uv_timer_t guard;
    uv_timer_init(loop, &guard);
    uv_timer_start(
        &guard, [](uv_timer_t*) {}, 10, 10);
    while (!pred() && uv_now(loop) < end)
        uv_run(loop, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&guard), nullptr);
    uv_run(loop, UV_RUN_NOWAIT);
    return pred();
}

}  // namespace shoal::test
