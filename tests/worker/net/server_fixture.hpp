// SPDX-License-Identifier: MIT
// A real net::Server on its own uv loop in a thread, with an echo-style handler, for the
// transport tests. Commands sent as text: "flood N SIZE" (one shared frame sent N times),
// "close CODE" (the handler closes); anything else is echoed.
#pragma once

#include <atomic>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include <uv.h>

#include "common/config.hpp"
#include "common/log.hpp"
#include "worker/net/handler.hpp"
#include "worker/net/server.hpp"

namespace shoal::test {

class EchoHandler final : public net::WsHandler, public net::HttpHandler {
  public:
    net::Transport* transport = nullptr;
    std::uint32_t idle_ms = 0;
    std::atomic<int> opens{0}, closes{0}, idles{0};

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

    net::HttpResponse on_request(const net::HttpRequest& r) override {
        if (r.path == "/big") return {200, "text/plain", std::string(8 << 20, 'b')};
        std::string body = R"({"path":")" + std::string(r.path) + R"(","body_bytes":)" +
                           std::to_string(r.body.size()) + "}";
        return {200, "application/json", body};
    }
};

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

    EchoHandler handler;

  private:
    void run(std::promise<std::uint16_t>& ready) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        {
            net::Server server(&loop, config_);
            handler.transport = &server;
            server_ = &server;
            uv_async_init(&loop, &stop_, [](uv_async_t* a) {
                auto* self = static_cast<ServerThread*>(a->data);
                self->server_->shutdown(
                    self->deadline_ms_,
                    [](void* arg) {
                        uv_close(
                            reinterpret_cast<uv_handle_t*>(&static_cast<ServerThread*>(arg)->stop_),
                            nullptr);
                    },
                    self);
            });
            stop_.data = this;
            auto r = server.start(handler, handler, listen_fd_);
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
    net::Server* server_ = nullptr;
    net::ServerStats stats_;
};

}  // namespace shoal::test
