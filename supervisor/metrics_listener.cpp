// SPDX-License-Identifier: MIT
// At most kMaxClients at once (more are closed on accept) and kClientTimeoutMs per request, so a
// silent local client cannot hold the listener.
#include "supervisor/metrics_listener.hpp"

#include <cstring>
#include <string_view>

#include "common/apps/app_topic.hpp"
#include "common/clock.hpp"
#include "shm_bus/observability/prometheus_text.hpp"

namespace shoal::sup {
namespace {

constexpr std::uint32_t kMaxClients = 16;
constexpr std::uint64_t kClientTimeoutMs = 5'000;
constexpr std::size_t kMaxHead = 8 * 1024;

std::string response(int status, const char* reason, std::string_view type, std::string_view body,
                     bool head_only) {
    std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                    "\r\nContent-Type: " + std::string(type) +
                    "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
    if (!head_only) r += body;
    return r;
}

}  // namespace

std::string render_host_metrics(const host_view::HostView& view) {
    obs::ChannelGauges g;
    view.state().for_each_occupied([&](std::string_view topic, std::uint32_t n) {
        if (!common::is_channel_topic(topic)) return;  // an app's connection count
        ++g.channels;
        g.subscriptions += n;
        g.presence_members += view.state().user_count(topic);
    });
    return obs::render_prometheus(view.snapshot(common::monotonic_ns()), g);
}

std::string metrics_http_response(std::string_view head, const MetricsListener::Render& render) {
    const auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1."))
        return response(400, "Bad Request", "text/plain", "bad request\n", false);
    const std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));
    if (target != "/metrics") return response(404, "Not Found", "text/plain", "not found\n", false);
    if (method != "GET" && method != "HEAD")
        return response(405, "Method Not Allowed", "text/plain", "use GET\n", false);
    return response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", render(),
                    method == "HEAD");
}

struct MetricsListener::Client {
    uv_tcp_t tcp{};
    uv_timer_t timer{};
    uv_write_t write{};
    MetricsListener* owner = nullptr;
    Client* prev = nullptr;
    Client* next = nullptr;
    std::string in;
    std::string out;
    bool responding = false;
    int open_handles = 0;

    void unlink() {
        if (prev)
            prev->next = next;
        else
            owner->clients_ = next;
        if (next) next->prev = prev;
        --owner->client_count_;
    }
    static void on_closed(uv_handle_t* h) {
        auto* c = static_cast<Client*>(h->data);
        if (--c->open_handles == 0) delete c;
    }
    void close() {
        if (open_handles == 0 || uv_is_closing(reinterpret_cast<uv_handle_t*>(&tcp))) return;
        unlink();
        uv_close(reinterpret_cast<uv_handle_t*>(&tcp), on_closed);
        uv_close(reinterpret_cast<uv_handle_t*>(&timer), on_closed);
    }
    void respond() {
        responding = true;
        uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp));
        out = metrics_http_response(in, owner->render_);
        uv_buf_t b = uv_buf_init(out.data(), static_cast<unsigned>(out.size()));
        write.data = this;
        if (uv_write(&write, reinterpret_cast<uv_stream_t*>(&tcp), &b, 1,
                     [](uv_write_t* w, int) { static_cast<Client*>(w->data)->close(); }) != 0)
            close();
    }
};

common::Result<std::unique_ptr<MetricsListener>> MetricsListener::start(uv_loop_t* loop,
                                                                        std::uint16_t port,
                                                                        Render render) {
    std::unique_ptr<MetricsListener> l(new MetricsListener(loop, std::move(render)));
    uv_tcp_init(loop, &l->server_);
    l->server_.data = l.get();
    l->open_ = true;
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", port, &addr);
    int rc = uv_tcp_bind(&l->server_, reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->server_), 64, on_connection);
    if (rc != 0) {
        l->close();
        return common::Error{common::Errc::Config, -rc,
                             "--metrics-port: listen on 127.0.0.1:" + std::to_string(port) +
                                 " failed: " + uv_strerror(rc)};
    }
    sockaddr_in bound{};
    int len = sizeof bound;
    uv_tcp_getsockname(&l->server_, reinterpret_cast<sockaddr*>(&bound), &len);
    l->port_ = ntohs(bound.sin_port);
    uv_unref(reinterpret_cast<uv_handle_t*>(&l->server_));
    return l;
}

MetricsListener::~MetricsListener() {
    close();
}

void MetricsListener::close() {
    while (clients_)
        clients_->close();
    if (!open_) return;
    open_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&server_), nullptr);
}

void MetricsListener::on_connection(uv_stream_t* server, int status) {
    auto* self = static_cast<MetricsListener*>(server->data);
    if (status < 0) return;
    auto* c = new Client;
    c->owner = self;
    uv_tcp_init(self->loop_, &c->tcp);
    uv_timer_init(self->loop_, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->open_handles = 2;
    uv_unref(reinterpret_cast<uv_handle_t*>(&c->tcp));
    uv_unref(reinterpret_cast<uv_handle_t*>(&c->timer));
    c->next = self->clients_;
    if (c->next) c->next->prev = c;
    self->clients_ = c;
    ++self->client_count_;
    if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0 ||
        self->client_count_ > kMaxClients) {
        c->close();
        return;
    }
    uv_timer_start(
        &c->timer, [](uv_timer_t* t) { static_cast<Client*>(t->data)->close(); }, kClientTimeoutMs,
        0);
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&c->tcp),
        [](uv_handle_t*, std::size_t, uv_buf_t* buf) {
            static char scratch[4096];  // one loop thread; copied into `in` at once
            *buf = uv_buf_init(scratch, sizeof scratch);
        },
        [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
            auto* client = static_cast<Client*>(s->data);
            if (n < 0) return client->close();
            client->in.append(buf->base, static_cast<std::size_t>(n));
            if (client->in.find("\r\n\r\n") != std::string::npos || client->in.size() > kMaxHead)
                client->respond();
        });
}

}  // namespace shoal::sup
