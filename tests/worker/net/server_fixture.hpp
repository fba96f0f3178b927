// SPDX-License-Identifier: MIT
// A real net::Server on its own uv loop in a thread, with an echo-style handler, for the
// transport tests. Commands sent as text: "flood N SIZE" (one shared frame sent N times),
// "close CODE" (the handler closes); anything else is echoed. HTTP: the health routes, then
// test routes that hold or stream (/held, /hold, /stream, /stream_forever, /stream_flood), then
// echo.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include <uv.h>

#include "common/config.hpp"
#include "common/log.hpp"
#include "worker/net/handler.hpp"
#include "worker/net/health_route.hpp"
#include "worker/net/http_router.hpp"
#include "worker/net/server.hpp"

namespace shoal::test {

class EchoHandler final : public net::WsHandler, public net::RouteHandler {
  public:
    net::Transport* transport = nullptr;
    uv_loop_t* loop = nullptr;
    std::uint32_t idle_ms = 0;
    std::atomic<int> opens{0}, closes{0}, idles{0};
    std::atomic<int> held{0}, abandoned{0};  // requests held or streamed, and abandoned
    std::atomic<int> before_writes{0};       // the server's hook ahead of each batch of writes

    net::UpgradeDecision on_upgrade(const net::HttpRequest& r) override {
        if (r.path == "/refuse") return {false, 403};
        return {};
    }
    void on_open(net::ConnId, const net::HttpRequest&) override { ++opens; }
    void on_text(net::ConnId id, std::string_view m) override {
        if (m.rfind("flood ", 0) == 0) {
            char* end = nullptr;
            const long n = std::strtol(m.data() + 6, &end, 10);
            const long size = std::strtol(end, nullptr, 10);
            const net::FrameRef f = net::SharedFrame::make_text(std::string(size, 'f'));
            for (long i = 0; i < n; ++i)
                transport->send(id, f);
        } else if (m.rfind("close ", 0) == 0) {
            transport->close(id, static_cast<std::uint16_t>(std::atoi(m.data() + 6)), "asked");
        } else {
            transport->send(id, net::SharedFrame::make_text(m));
        }
    }
    void on_binary(net::ConnId id, std::string_view m) override {
        transport->send(id, net::SharedFrame::make_binary(m));
    }
    void on_idle(net::ConnId) override { ++idles; }
    void on_close(net::ConnId) override { ++closes; }
    void on_shutdown(net::ConnId id) override {
        transport->send(id, net::SharedFrame::make_text("farewell"));
    }
    std::uint32_t idle_timeout_ms() const override { return idle_ms; }
    std::uint32_t idle_grace_ms() const override { return idle_ms; }

    net::Reply on_request(net::ConnId id, const net::HttpRequest& r, const net::RouteParams&,
                          net::HttpResponse& out) override {
        if (r.path == "/held") {  // answered 30 ms later
            ++held;
            later(id, 30, 0, [](Later& l) {
                net::HttpResponse late;
                late.body = R"({"late":true})";
                l.h->transport->respond(l.id, late);
                return false;
            });
            return net::Reply::Held;
        }
        if (r.path == "/hold") {  // never answered
            ++held;
            return net::Reply::Held;
        }
        if (r.path == "/stream" || r.path == "/stream_forever" || r.path == "/stream_flood") {
            ++held;
            transport->begin_stream(id, 200, "text/event-stream");
            if (r.path == "/stream_flood") {  // 25 MiB at once: over any send-queue bound
                const std::string chunk(64 * 1024, 's');
                for (int i = 0; i < 400; ++i)
                    transport->stream_write(id, chunk);
                return net::Reply::Streaming;
            }
            if (r.path == "/stream_forever") {
                transport->stream_write(id, "data: first\n\n");
                return net::Reply::Streaming;
            }
            later(id, 5, 5, [](Later& l) {  // three events, 5 ms apart, then the end
                if (++l.ticks <= 3) {
                    l.h->transport->stream_write(l.id, "data: " + std::to_string(l.ticks) + "\n\n");
                    return true;
                }
                l.h->transport->end_stream(l.id);
                return false;
            });
            return net::Reply::Streaming;
        }
        if (r.path == "/big") {
            out.content_type = "text/plain";
            out.body = std::string(8 << 20, 'b');
            return net::Reply::Now;
        }
        out.body = R"({"path":")" + std::string(r.path) + R"(","body_bytes":)" +
                   std::to_string(r.body.size()) + "}";
        return net::Reply::Now;
    }
    void on_abandoned(net::ConnId) override { ++abandoned; }

  private:
    // A timer per held request: tick returns true to run again.
    struct Later {
        uv_timer_t timer;
        EchoHandler* h;
        net::ConnId id;
        int ticks = 0;
        bool (*tick)(Later&);
    };
    void later(net::ConnId id, std::uint64_t ms, std::uint64_t repeat_ms, bool (*tick)(Later&)) {
        auto* job = new Later{{}, this, id, 0, tick};
        uv_timer_init(loop, &job->timer);
        job->timer.data = job;
        uv_timer_start(
            &job->timer,
            [](uv_timer_t* t) {
                auto* l = static_cast<Later*>(t->data);
                if (l->tick(*l)) return;
                uv_close(reinterpret_cast<uv_handle_t*>(t),
                         [](uv_handle_t* h) { delete static_cast<Later*>(h->data); });
            },
            ms, repeat_ms);
    }
};

// Waits for a condition the server thread makes true; false after timeout_ms.
template <class F>
bool eventually(F done, int timeout_ms = 3000) {
    for (int i = 0; i < timeout_ms; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return done();
}

inline common::Config test_config() {
    common::Config c;
    c.host = "127.0.0.1";
    c.port = 0;
    c.log_level = common::LogLevel::Warn;
    return c;
}

class ServerThread {
  public:
    explicit ServerThread(common::Config config, std::uint32_t idle_ms = 0,
                          std::uint32_t shutdown_deadline_ms = 5'000, int listen_fd = -1)
        : config_(std::move(config)), deadline_ms_(shutdown_deadline_ms), listen_fd_(listen_fd) {
        handler.idle_ms = idle_ms;
        common::log_configure({config_.log_level, config_.log_format, "worker", -1});
        std::promise<std::uint16_t> ready;
        auto port = ready.get_future();
        thread_ = std::thread([this, &ready] { run(ready); });
        port_ = port.get();
    }
    ~ServerThread() { stop(); }

    std::uint16_t port() const { return port_; }
    // Graceful shutdown; returns once the loop has ended.
    void stop() {
        if (!thread_.joinable()) return;
        uv_async_send(&stop_);
        thread_.join();
    }
    // Valid after stop().
    const net::ServerStats& stats() const { return stats_; }
    // Loop iterations so far: a socket watched for readiness it keeps having (writable with
    // nothing to write, readable after EOF) would make the loop spin.
    std::uint64_t iterations() const { return iterations_.load(); }
    // Runs fn on the server's loop thread and returns once it has run.
    void on_loop(std::function<void(net::Server&)> fn) {
        std::promise<void> done;
        {
            std::lock_guard<std::mutex> lock(job_mutex_);
            job_ = [&] {
                fn(*server_);
                done.set_value();
            };
        }
        uv_async_send(&job_async_);
        done.get_future().wait();
    }
    // The server's open connections, read on its loop (so a test can wait for one to go).
    std::uint32_t connection_count() {
        std::uint32_t n = 0;
        on_loop([&](net::Server& s) { n = s.connection_count(); });
        return n;
    }

    EchoHandler handler;

  private:
    void run(std::promise<std::uint16_t>& ready) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        {
            net::Server server(&loop, config_);
            net::HealthRoute health(server);
            net::HttpRouter router;
            health.add_to(router);
            router.add("*", "/{path...}", handler);
            router.add_upgrade("/{path...}", handler);
            handler.transport = &server;
            handler.loop = &loop;
            server.before_writes(
                [](void* h) noexcept { ++static_cast<EchoHandler*>(h)->before_writes; }, &handler);
            server_ = &server;
            uv_async_init(&loop, &stop_, [](uv_async_t* a) {
                auto* self = static_cast<ServerThread*>(a->data);
                self->server_->shutdown(
                    self->deadline_ms_,
                    [](void* arg) {
                        auto* st = static_cast<ServerThread*>(arg);
                        uv_close(reinterpret_cast<uv_handle_t*>(&st->stop_), nullptr);
                        uv_close(reinterpret_cast<uv_handle_t*>(&st->job_async_), nullptr);
                        uv_close(reinterpret_cast<uv_handle_t*>(&st->counter_), nullptr);
                    },
                    self);
            });
            stop_.data = this;
            uv_async_init(&loop, &job_async_, [](uv_async_t* a) {
                auto* self = static_cast<ServerThread*>(a->data);
                std::function<void()> job;
                {
                    std::lock_guard<std::mutex> lock(self->job_mutex_);
                    job.swap(self->job_);
                }
                if (job) job();
            });
            job_async_.data = this;
            uv_prepare_init(&loop, &counter_);
            counter_.data = this;
            uv_prepare_start(&counter_, [](uv_prepare_t* p) {
                ++static_cast<ServerThread*>(p->data)->iterations_;
            });
            auto r = server.start(router, listen_fd_);
            ready.set_value(r ? server.port() : 0);
            uv_run(&loop, UV_RUN_DEFAULT);
            stats_ = server.stats();
        }
        uv_loop_close(&loop);
    }

    common::Config config_;
    std::uint32_t deadline_ms_;
    int listen_fd_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    uv_async_t stop_;
    uv_async_t job_async_;
    uv_prepare_t counter_;
    std::atomic<std::uint64_t> iterations_{0};
    std::mutex job_mutex_;
    std::function<void()> job_;
    net::Server* server_ = nullptr;
    net::ServerStats stats_;
};

}  // namespace shoal::test
