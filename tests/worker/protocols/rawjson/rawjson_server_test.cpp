// SPDX-License-Identifier: MIT
// test-links: shoal_worker shoal_proto_rawjson
// test-labels: integration worker
// The proof that a protocol is a registered module: a real worker server (transport, route
// table, channel hub, the Pusher and Phoenix modules as run_worker builds them) plus the
// test-only raw JSON protocol added with one line. Real sockets: a signed Pusher HTTP API
// trigger reaches a raw JSON client, and a raw JSON publish reaches a Pusher client.
#include <future>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <uv.h>

#include "common/log.hpp"
#include "tests/support/flag_apps.hpp"
#include "tests/worker/net/raw_client.hpp"
#include "worker/codec/pusher_http_auth.hpp"
#include "worker/net/server.hpp"
#include "worker/protocols/rawjson/rawjson_module.hpp"
#include "worker/worker_app.hpp"

using namespace shoal;

namespace {

constexpr std::int64_t kNowS = 1'700'000'000;
std::int64_t fixed_clock() {
    return kNowS;
}

class WorkerThread {
  public:
    WorkerThread() {
        config_.host = "127.0.0.1";
        config_.port = 0;
        config_.log_level = common::LogLevel::Warn;
        common::log_configure({config_.log_level, config_.log_format, "worker", -1});
        std::promise<std::uint16_t> ready;
        auto port = ready.get_future();
        thread_ = std::thread([this, &ready] { run(ready); });
        port_ = port.get();
    }
    ~WorkerThread() {
        uv_async_send(&stop_);
        thread_.join();
    }
    std::uint16_t port() const { return port_; }
    const common::Config& config() const { return config_; }

  private:
    void run(std::promise<std::uint16_t>& ready) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        {
            net::Server server(&loop, config_);
            channel::ChannelHub hub(server);
            worker::WorkerApp app(config_, hub, 777, &fixed_clock);
            app.protocols().add<rawjson::RawJsonModule>(
                config_.app.id);  // the one registration line
            server_ = &server;
            stop_.data = this;
            uv_async_init(&loop, &stop_, [](uv_async_t* a) {
                auto* self = static_cast<WorkerThread*>(a->data);
                self->server_->shutdown(
                    1'000,
                    [](void* arg) {
                        uv_close(
                            reinterpret_cast<uv_handle_t*>(&static_cast<WorkerThread*>(arg)->stop_),
                            nullptr);
                    },
                    self);
            });
            auto r = server.start(app.router());
            ready.set_value(r ? server.port() : 0);
            uv_run(&loop, UV_RUN_DEFAULT);
        }
        uv_loop_close(&loop);
    }

    common::Config config_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    uv_async_t stop_;
    net::Server* server_ = nullptr;
};

std::string text_of(test::RawClient& c) {
    const test::Frame f = c.read_frame();
    return f.op == 1 ? f.payload : "<op " + std::to_string(f.op) + ">";
}

std::string signed_trigger(const common::Config& config, const std::string& body) {
    const std::string path = "/apps/" + config.app.id + "/events";
    const std::string query =
        codec::sign_http_query("POST", path, {}, config.app.key, config.app.secret, kNowS, body);
    return "POST " + path + "?" + query +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE(
    "rawjson over a real worker: a Pusher HTTP trigger reaches it, its publish reaches a "
    "Pusher client, and unknown paths still answer 404",
    "[worker][rawjson][integration]") {
    WorkerThread w;
    REQUIRE(w.port() != 0);

    test::RawClient raw(w.port());
    REQUIRE(raw.upgrade("/rawjson"));
    REQUIRE(raw.send_frame(codec::WsOpcode::Text, R"({"op":"subscribe","topic":"room"})"));
    CHECK(text_of(raw) == R"({"op":"subscribed","topic":"room"})");

    test::RawClient pusher(w.port());
    REQUIRE(pusher.upgrade("/app/" + w.config().app.key + "?protocol=7"));
    CHECK(text_of(pusher).find("pusher:connection_established") != std::string::npos);
    REQUIRE(pusher.send_frame(codec::WsOpcode::Text,
                              R"({"event":"pusher:subscribe","data":{"channel":"room"}})"));
    CHECK(text_of(pusher).find("pusher_internal:subscription_succeeded") != std::string::npos);

    // A backend triggers through the Pusher HTTP API: both protocols' clients receive it.
    test::RawClient api(w.port());
    REQUIRE(api.send(
        signed_trigger(w.config(), R"({"name":"news","channels":["room"],"data":"{\"n\":1}"})")));
    CHECK(api.read_response().rfind("HTTP/1.1 200 ", 0) == 0);
    CHECK(text_of(raw) == R"({"op":"event","topic":"room","event":"news","data":{"n":1}})");
    CHECK(text_of(pusher) == R"({"event":"news","channel":"room","data":"{\"n\":1}"})");

    // The raw client publishes: the Pusher client gets it as an event, the publisher does not.
    REQUIRE(raw.send_frame(codec::WsOpcode::Text,
                           R"({"op":"publish","topic":"room","event":"say","data":{"t":1}})"));
    CHECK(text_of(pusher) == R"({"event":"say","channel":"room","data":"{\"t\":1}"})");

    test::RawClient stranger(w.port());
    CHECK_FALSE(stranger.upgrade("/nowhere"));
    CHECK(stranger.last_response.rfind("HTTP/1.1 404 ", 0) == 0);
}
