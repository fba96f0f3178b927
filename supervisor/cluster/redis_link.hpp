// SPDX-License-Identifier: MIT
// RedisLink: the bridge's two hiredis connections on the supervisor's libuv loop (hiredis's
// libuv adapter): one for commands and PUBLISH, one SUBSCRIBEd to the cluster channel. Nothing
// here blocks: commands are queued and answered by callbacks, a lost or refused connection is
// retried with exponential backoff and jitter, and while it is down every send is refused
// (counted) so callers never queue without bound. Each outage is logged once, each recovery too.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <uv.h>

#include "supervisor/cluster/redis_url.hpp"

struct redisAsyncContext;

namespace shoal::cluster {

class RedisLinkHandler {
  public:
    virtual void on_link_up() = 0;    // connected and subscribed
    virtual void on_link_down() = 0;  // was up, is not any more
    virtual void on_message(std::string_view payload) = 0;
    virtual void on_exists(std::uint64_t tag, bool exists) = 0;
    // The answer to query(): a string (or integer, as text), nil, or an error's text.
    virtual void on_value(std::uint64_t tag, std::string_view value, bool nil, bool error) {
        (void)tag, (void)value, (void)nil, (void)error;
    }
    // The answer to ordered(): one call per ordered() that returned true, in the order sent,
    // `ok` false for an error reply (its text) or a link that dropped first (`link_lost`; never
    // once stopped).
    virtual void on_ordered(bool ok, bool link_lost, std::string_view error) {
        (void)ok, (void)link_lost, (void)error;
    }

  protected:
    ~RedisLinkHandler() = default;
};

struct RedisLinkStats {
    std::uint64_t connects = 0;
    std::uint64_t published = 0;
    std::uint64_t refused = 0;  // sends while down or over kMaxPending
    std::uint64_t received = 0;
};

class RedisLink {
  public:
    static constexpr std::uint32_t kBackoffInitialMs = 100;
    static constexpr std::uint32_t kBackoffMaxMs = 1000;
    static constexpr std::uint32_t kConnectTimeoutMs = 2000;
    static constexpr std::uint32_t kWatchMs = 50;          // connect progress and errors
    static constexpr std::uint32_t kMaxPending = 100'000;  // commands without a reply yet

    RedisLink(uv_loop_t* loop, RedisUrl url, std::string channel, RedisLinkHandler& handler);
    RedisLink(const RedisLink&) = delete;
    RedisLink& operator=(const RedisLink&) = delete;
    ~RedisLink();

    void start();
    // Flushes what is queued (bounded wait), then closes everything; the loop may then end.
    void stop();
    bool up() const noexcept { return state_ == State::Up; }
    const RedisLinkStats& stats() const noexcept { return stats_; }

    bool publish(std::string_view payload);
    bool command(std::initializer_list<std::string_view> argv);
    // EXISTS key; handler.on_exists(tag, ...) when answered (never if the link drops first).
    bool exists(std::string_view key, std::uint64_t tag);
    // A command whose answer the handler wants: handler.on_value(tag, ...) when answered (never
    // if the link drops first). At most 8 arguments.
    bool query(std::initializer_list<std::string_view> argv, std::uint64_t tag);
    // A command whose every outcome the handler must learn, in order: on_ordered().
    bool ordered(std::initializer_list<std::string_view> argv);

  private:
    enum class State { Idle, Connecting, Up, Down, Stopped };

    static void on_connect(const redisAsyncContext* ac, int status);
    static void on_disconnect(const redisAsyncContext* ac, int status);
    static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
    static void on_auth(redisAsyncContext* ac, void* reply, void* privdata);
    static void on_subscribed(redisAsyncContext* ac, void* reply, void* privdata);
    static void on_exists_reply(redisAsyncContext* ac, void* reply, void* privdata);
    static void on_value_reply(redisAsyncContext* ac, void* reply, void* privdata);
    static void on_ordered_reply(redisAsyncContext* ac, void* reply, void* privdata);

    redisAsyncContext* open();
    void connect();
    void both_connected();
    void lost(const char* why);
    void free_contexts();
    void schedule_retry();
    void watch();
    bool send(std::initializer_list<std::string_view> argv, void* privdata,
              void (*cb)(redisAsyncContext*, void*, void*));

    uv_loop_t* loop_;
    RedisUrl url_;
    std::string channel_;
    RedisLinkHandler& handler_;
    redisAsyncContext* cmd_ = nullptr;
    redisAsyncContext* sub_ = nullptr;
    int connected_ = 0;
    State state_ = State::Idle;
    std::uint32_t attempt_ = 0;
    std::uint32_t pending_ = 0;
    std::uint64_t connect_deadline_ms_ = 0;
    std::uint64_t rng_ = 0;
    uv_timer_t retry_{};
    uv_timer_t watch_{};
    int open_timers_ = 0;
    RedisLinkStats stats_;
};

}  // namespace shoal::cluster
