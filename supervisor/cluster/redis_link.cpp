// SPDX-License-Identifier: MIT
// hiredis calls every command callback exactly once (with NULL when the connection goes), except
// the SUBSCRIBE callback, which it calls per message; contexts are freed only outside their own
// callbacks (from the retry timer), as hiredis requires.
#include "supervisor/cluster/redis_link.hpp"

#include <sys/socket.h>

#include <array>
#include <cstring>
#include <random>

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/log_event.hpp"

namespace shoal::cluster {
namespace {

std::uint64_t now_ms() noexcept {
    return common::monotonic_ns() / 1'000'000;
}

RedisLink* self_of(const redisAsyncContext* ac) noexcept {
    return static_cast<RedisLink*>(ac->data);
}

}  // namespace

RedisLink::RedisLink(uv_loop_t* loop, RedisUrl url, std::string channel, RedisLinkHandler& handler)
    : loop_(loop), url_(std::move(url)), channel_(std::move(channel)), handler_(handler) {
    std::random_device rd;
    rng_ = (static_cast<std::uint64_t>(rd()) << 32) | rd();
}

RedisLink::~RedisLink() {
    state_ = State::Stopped;
    free_contexts();
}

void RedisLink::start() {
    uv_timer_init(loop_, &retry_);
    uv_timer_init(loop_, &watch_);
    retry_.data = watch_.data = this;
    open_timers_ = 2;
    uv_timer_start(
        &watch_, [](uv_timer_t* t) { static_cast<RedisLink*>(t->data)->watch(); }, kWatchMs,
        kWatchMs);
    connect();
}

void RedisLink::stop() {
    if (state_ == State::Stopped || open_timers_ == 0) return;
    state_ = State::Stopped;
    uv_timer_stop(&retry_);
    uv_close(reinterpret_cast<uv_handle_t*>(&retry_), nullptr);
    if (sub_) {
        auto* s = sub_;
        sub_ = nullptr;
        redisAsyncFree(s);
    }
    // The command connection is closed gracefully, so what was queued (the goodbye) is sent;
    // a Redis that does not answer gets 300 ms, then the connection is freed anyway.
    if (cmd_) redisAsyncDisconnect(cmd_);
    uv_timer_stop(&watch_);
    uv_timer_start(
        &watch_,
        [](uv_timer_t* t) {
            auto* self = static_cast<RedisLink*>(t->data);
            self->free_contexts();
            uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
        },
        300, 0);
}

redisAsyncContext* RedisLink::open() {
    redisAsyncContext* ac = redisAsyncConnect(url_.host.c_str(), url_.port);
    if (ac == nullptr) return nullptr;
    if (ac->err || redisLibuvAttach(ac, loop_) != REDIS_OK) {
        SHOAL_DEBUG("cluster: redisAsyncConnect(%s:%u) failed: %s", url_.host.c_str(), url_.port,
                    ac->errstr);
        redisAsyncFree(ac);
        return nullptr;
    }
    ac->data = this;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    return ac;
}

void RedisLink::connect() {
    state_ = State::Connecting;
    ++attempt_;
    ++stats_.connects;
    connected_ = 0;
    pending_ = 0;
    connect_deadline_ms_ = now_ms() + kConnectTimeoutMs;
    cmd_ = open();
    sub_ = open();
    if (!cmd_ || !sub_) lost("could not start a connection");
}

void RedisLink::on_connect(const redisAsyncContext* ac, int status) {
    RedisLink* self = self_of(ac);
    if (self->state_ == State::Stopped || (ac != self->cmd_ && ac != self->sub_)) return;
    if (status != REDIS_OK) {
        // hiredis frees this context right after the callback.
        if (ac == self->cmd_) self->cmd_ = nullptr;
        if (ac == self->sub_) self->sub_ = nullptr;
        return self->lost(ac->errstr);
    }
    if (++self->connected_ == 2) self->both_connected();
}

void RedisLink::on_disconnect(const redisAsyncContext* ac, int status) {
    RedisLink* self = self_of(ac);
    if (ac == self->cmd_) {
        self->cmd_ = nullptr;
    } else if (ac == self->sub_) {
        self->sub_ = nullptr;
    } else {
        return;  // one we freed ourselves
    }
    if (self->state_ == State::Stopped) return;
    self->lost(status == REDIS_OK ? "connection closed" : ac->errstr);
}

void RedisLink::both_connected() {
    // Pipelined ahead of SELECT and SUBSCRIBE on each connection, so nothing runs unauthenticated;
    // a refusal reaches on_auth and retries with backoff like any other failure.
    if (!url_.password.empty()) {
        for (redisAsyncContext* ac : {cmd_, sub_}) {
            std::array<const char*, 3> argv{"AUTH", url_.username.c_str(), url_.password.c_str()};
            std::array<size_t, 3> lens{4, url_.username.size(), url_.password.size()};
            if (url_.username.empty()) {
                argv[1] = argv[2];
                lens[1] = lens[2];
            }
            const int n = url_.username.empty() ? 2 : 3;
            redisAsyncCommandArgv(ac, on_auth, nullptr, n, argv.data(), lens.data());
        }
    }
    if (url_.db != 0) send({"SELECT", std::to_string(url_.db)}, nullptr, on_reply);
    const char* argv[] = {"SUBSCRIBE", channel_.c_str()};
    const size_t lens[] = {9, channel_.size()};
    redisAsyncCommandArgv(sub_, on_subscribed, nullptr, 2, argv, lens);
}

void RedisLink::on_auth(redisAsyncContext* ac, void* r, void*) {
    RedisLink* self = self_of(ac);
    auto* reply = static_cast<redisReply*>(r);
    if (reply == nullptr || (ac != self->cmd_ && ac != self->sub_)) return;
    if (self->state_ == State::Stopped || reply->type != REDIS_REPLY_ERROR) return;
    self->lost(reply->str);  // e.g. "WRONGPASS invalid username-password pair"
}

void RedisLink::on_subscribed(redisAsyncContext* ac, void* r, void*) {
    RedisLink* self = self_of(ac);
    auto* reply = static_cast<redisReply*>(r);
    if (reply == nullptr || ac != self->sub_ || self->state_ == State::Stopped) return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) return;
    const redisReply* kind = reply->element[0];
    const redisReply* body = reply->element[2];
    if (kind->type != REDIS_REPLY_STRING) return;
    const std::string_view k(kind->str, kind->len);
    if (k == "message" && body->type == REDIS_REPLY_STRING) {
        if (self->state_ != State::Up) return;
        ++self->stats_.received;
        self->handler_.on_message(std::string_view(body->str, body->len));
    } else if (k == "subscribe") {
        const bool again = self->stats_.connects > 1;
        common::log_event(
            common::LogLevel::Info, "cluster_link_up",
            {common::field("redis_host", self->url_.host),
             common::field("redis_port", self->url_.port), common::field("attempt", self->attempt_),
             common::field("reconnect", again)},
            "cluster: %s redis at %s:%u (attempt %u), subscribed to %s",
            again ? "reconnected to" : "connected to", self->url_.host.c_str(), self->url_.port,
            self->attempt_, self->channel_.c_str());
        self->state_ = State::Up;
        self->attempt_ = 0;
        self->handler_.on_link_up();
    }
}

void RedisLink::lost(const char* why) {
    if (state_ == State::Down || state_ == State::Stopped) return;
    const bool was_up = state_ == State::Up;
    state_ = State::Down;
    connected_ = 0;
    if (was_up) {
        common::log_event(
            common::LogLevel::Warn, "cluster_link_down",
            {common::field("redis_host", url_.host), common::field("redis_port", url_.port),
             common::field("error", why ? why : "?")},
            "cluster: lost redis at %s:%u (%s); local delivery continues, reconnecting",
            url_.host.c_str(), url_.port, why ? why : "?");
        handler_.on_link_down();
    } else if (attempt_ <= 3 || attempt_ % 20 == 0) {
        SHOAL_WARN("cluster: redis at %s:%u unavailable (%s), attempt %u; retrying with backoff",
                   url_.host.c_str(), url_.port, why ? why : "?", attempt_);
    }
    schedule_retry();
}

void RedisLink::schedule_retry() {
    const std::uint32_t shift = attempt_ < 10 ? attempt_ : 10;
    std::uint64_t d =
        std::min<std::uint64_t>(kBackoffMaxMs, std::uint64_t{kBackoffInitialMs} << shift);
    rng_ = rng_ * 6364136223846793005ull + 1442695040888963407ull;
    d = d / 2 + (rng_ >> 33) % (d / 2 + 1);  // equal jitter: hosts do not reconnect in step
    uv_timer_start(
        &retry_,
        [](uv_timer_t* t) {
            auto* self = static_cast<RedisLink*>(t->data);
            self->free_contexts();
            self->connect();
        },
        d, 0);
}

void RedisLink::free_contexts() {
    for (redisAsyncContext** p : {&cmd_, &sub_}) {
        if (*p == nullptr) continue;
        redisAsyncContext* ac = *p;
        *p = nullptr;
        redisAsyncFree(ac);
    }
}

// hiredis's libuv adapter drops poll errors, so a refused connect would only end at the
// deadline; the socket's pending error says it at once.
void RedisLink::watch() {
    if (state_ != State::Connecting) return;
    for (redisAsyncContext* ac : {cmd_, sub_}) {
        int err = 0;
        socklen_t len = sizeof err;
        if (ac && !(ac->c.flags & REDIS_CONNECTED) &&
            ::getsockopt(ac->c.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0)
            return lost(std::strerror(err));
    }
    if (now_ms() > connect_deadline_ms_) lost("connect timed out");
}

bool RedisLink::send(std::initializer_list<std::string_view> args, void* privdata,
                     void (*cb)(redisAsyncContext*, void*, void*)) {
    if (cmd_ == nullptr || pending_ >= kMaxPending) return false;
    std::array<const char*, 8> argv{};
    std::array<size_t, 8> lens{};
    int n = 0;
    for (std::string_view a : args) {
        if (n == 8) break;
        argv[static_cast<std::size_t>(n)] = a.data();
        lens[static_cast<std::size_t>(n)] = a.size();
        ++n;
    }
    if (redisAsyncCommandArgv(cmd_, cb, privdata, n, argv.data(), lens.data()) != REDIS_OK)
        return false;
    ++pending_;
    return true;
}

void RedisLink::on_reply(redisAsyncContext* ac, void*, void*) {
    RedisLink* self = self_of(ac);
    if (self->pending_ > 0) --self->pending_;
}

void RedisLink::on_exists_reply(redisAsyncContext* ac, void* r, void* privdata) {
    RedisLink* self = self_of(ac);
    auto* tag = static_cast<std::uint64_t*>(privdata);
    auto* reply = static_cast<redisReply*>(r);
    if (self->pending_ > 0) --self->pending_;
    if (reply && reply->type == REDIS_REPLY_INTEGER && self->state_ == State::Up)
        self->handler_.on_exists(*tag, reply->integer != 0);
    delete tag;
}

void RedisLink::on_value_reply(redisAsyncContext* ac, void* r, void* privdata) {
    RedisLink* self = self_of(ac);
    auto* tag = static_cast<std::uint64_t*>(privdata);
    auto* reply = static_cast<redisReply*>(r);
    if (self->pending_ > 0) --self->pending_;
    if (reply && self->state_ == State::Up) {
        const std::string_view text(reply->str ? reply->str : "", reply->str ? reply->len : 0);
        switch (reply->type) {
            case REDIS_REPLY_STRING:
            case REDIS_REPLY_STATUS:
                self->handler_.on_value(*tag, text, false, false);
                break;
            case REDIS_REPLY_INTEGER:
                self->handler_.on_value(*tag, std::to_string(reply->integer), false, false);
                break;
            case REDIS_REPLY_NIL:
                self->handler_.on_value(*tag, {}, true, false);
                break;
            case REDIS_REPLY_ERROR:
                self->handler_.on_value(*tag, text, false, true);
                break;
            default:
                self->handler_.on_value(*tag, "unexpected reply type", false, true);
                break;
        }
    }
    delete tag;
}

bool RedisLink::query(std::initializer_list<std::string_view> argv, std::uint64_t tag) {
    if (state_ != State::Up) return false;
    auto* t = new std::uint64_t(tag);
    if (send(argv, t, on_value_reply)) return true;
    delete t;
    return false;
}

void RedisLink::on_ordered_reply(redisAsyncContext* ac, void* r, void*) {
    RedisLink* self = self_of(ac);
    auto* reply = static_cast<redisReply*>(r);
    if (self->pending_ > 0) --self->pending_;
    if (self->state_ == State::Stopped) return;  // the handler may be going away
    if (reply == nullptr) return self->handler_.on_ordered(false, true, {});
    if (reply->type == REDIS_REPLY_ERROR)
        return self->handler_.on_ordered(
            false, false,
            std::string_view(reply->str ? reply->str : "", reply->str ? reply->len : 0));
    self->handler_.on_ordered(true, false, {});
}

bool RedisLink::ordered(std::initializer_list<std::string_view> argv) {
    if (state_ != State::Up) return false;
    return send(argv, nullptr, on_ordered_reply);
}

bool RedisLink::publish(std::string_view payload) {
    if (state_ != State::Up || !send({"PUBLISH", channel_, payload}, nullptr, on_reply)) {
        ++stats_.refused;
        return false;
    }
    ++stats_.published;
    return true;
}

bool RedisLink::command(std::initializer_list<std::string_view> argv) {
    if (state_ != State::Up) return false;
    return send(argv, nullptr, on_reply);
}

bool RedisLink::exists(std::string_view key, std::uint64_t tag) {
    if (state_ != State::Up) return false;
    auto* t = new std::uint64_t(tag);
    if (send({"EXISTS", key}, t, on_exists_reply)) return true;
    delete t;
    return false;
}

}  // namespace shoal::cluster
