// SPDX-License-Identifier: MIT
// --metrics-port: a second, minimal HTTP listener on 127.0.0.1 that answers GET /metrics from
// the supervisor (the same exposition as any worker's, its channel gauges from the host view),
// so a scraper can stay off the public port. One request per connection, then close.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <uv.h>

#include "common/result.hpp"
#include "supervisor/host_view/host_view.hpp"

namespace shoal::sup {

class MetricsListener {
  public:
    using Render = std::function<std::string()>;
    // Binds 127.0.0.1:port (0: an ephemeral port, see port()). The handles are unreferenced:
    // they never keep the loop alive; close() before uv_loop_close.
    static common::Result<std::unique_ptr<MetricsListener>> start(uv_loop_t* loop,
                                                                  std::uint16_t port,
                                                                  Render render);
    ~MetricsListener();
    MetricsListener(const MetricsListener&) = delete;
    MetricsListener& operator=(const MetricsListener&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // Closes the listener and every open client; the loop must run once more to finish.
    void close();

    struct Client;  // metrics_listener.cpp

  private:
    MetricsListener(uv_loop_t* loop, Render render) : loop_(loop), render_(std::move(render)) {}
    static void on_connection(uv_stream_t* server, int status);

    uv_loop_t* loop_;
    Render render_;
    uv_tcp_t server_{};
    std::uint16_t port_ = 0;
    bool open_ = false;
    Client* clients_ = nullptr;  // intrusive list, for close()
    std::uint32_t client_count_ = 0;
};

// The supervisor's exposition: the bus snapshot plus the host view's channel gauges.
std::string render_host_metrics(const host_view::HostView& view);

// The answer to one request (pure, for tests): 200 with the body for GET/HEAD /metrics, 404
// for another path, 405 for another method, 400 for a malformed request line.
std::string metrics_http_response(std::string_view request_head, const MetricsListener::Render& r);

}  // namespace shoal::sup
