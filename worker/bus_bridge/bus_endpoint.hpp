// SPDX-License-Identifier: MIT
// BusEndpoint: a slot worker's place on the shm bus, on its libuv loop. It plugs a HubBridge into
// the channel hub and drives it: a uv_poll on this slot's wake-up eventfd, a uv_prepare that
// drains the rings and runs the idle handshake before the loop sleeps (C8), a uv_check that
// publishes what the iteration wrote and wakes idle readers once (not per record), and a periodic
// tick that polls anyway.
#pragma once

#include <cstdint>
#include <memory>

#include <uv.h>

#include "common/result.hpp"
#include "shm_bus/wakeup.hpp"
#include "worker/bus_bridge/hub_bridge.hpp"
#include "worker/bus_bridge/supervisor_link.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/net/server.hpp"

namespace shoal::worker {

inline constexpr std::size_t kBusPollBudget = 256;  // records per ring per poll
inline constexpr std::uint32_t kBusTickMs = 20;     // polls anyway (a lost wake-up)
// Subscriber count records: at most kCountBurst per kCountHoldMs window go at once; beyond
// that, counts that change no occupancy wait for the window's end (HubBridge::publish_written_at).
inline constexpr std::uint32_t kCountHoldMs = 50;
inline constexpr std::uint32_t kCountBurst = 64;
inline constexpr std::uint32_t kSnapshotWaitMs = 1000;  // at start, for the live slots' state
inline constexpr std::uint32_t kAcceptDeferMs = 10;     // a worker over its share waits at most
inline constexpr std::uint32_t kAcceptRecheckMs = 1;    // ... re-checking its share this often
inline constexpr std::uint32_t kAcceptSlack = 2;        // connections over the least-loaded slot
inline constexpr std::uint32_t kAcceptSlackShift = 5;   // ... or 1/32 of its count, if more
inline constexpr std::uint64_t kAcceptStaleNs = 500'000'000;  // a slot silent this long is ignored

class BusEndpoint {
  public:
    // Recovers this slot's ring, attaches to the hub, asks the live slots for their presence
    // state and waits (bounded) for their answers before returning, so the worker never answers
    // a presence subscription from an empty replica. Call before the server accepts. `cluster`:
    // the supervisor runs a cluster bridge, which answers for the other hosts too.
    static common::Result<std::unique_ptr<BusEndpoint>> start(uv_loop_t* loop, SupervisorLink& link,
                                                              channel::ChannelHub& hub, int slot,
                                                              bool cluster = false);
    ~BusEndpoint();
    BusEndpoint(const BusEndpoint&) = delete;
    BusEndpoint& operator=(const BusEndpoint&) = delete;

    // Spreads connections over the workers sharing the listening socket (nginx's accept_disabled
    // idea): a worker holding kAcceptSlack (or 1/32) more connections than the least-loaded
    // running slot leaves a new connection pending, so the next accepts go elsewhere. It takes
    // it as soon as it is no longer over its share (checked every kAcceptRecheckMs), and after
    // kAcceptDeferMs at the latest: a fixed wait had two workers both waiting in a burst.
    // It also publishes the bus's pending records before each batch of the server's writes.
    void pace_accepts(net::Server& server) noexcept;

    // Detaches from the hub and closes the handles (the loop can then end).
    void close() noexcept;
    BridgeStats stats() const noexcept { return bridge_.stats(); }
    HubBridge& bridge() noexcept { return bridge_; }

  private:
    BusEndpoint(SupervisorLink& link, channel::ChannelHub& hub, std::uint32_t slot);
    void wait_for_snapshots();
    void drain() noexcept;
    // Makes the written records visible (HubBridge::publish_written_at at the loop's time).
    bool publish() noexcept;
    void before_sleep() noexcept;
    void after_io() noexcept;
    bool over_share() noexcept;

    SupervisorLink& link_;
    channel::ChannelHub& hub_;
    net::Server* server_ = nullptr;
    std::uint32_t slot_;
    HubBridge bridge_;
    bus::Wakeup wakeup_;
    uv_poll_t poll_{};
    uv_prepare_t prepare_{};
    uv_check_t check_{};
    uv_idle_t idle_{};  // keeps the loop from blocking while records are left
    uv_timer_t tick_{};
    uv_timer_t accept_timer_{};
    std::uint64_t accept_pending_since_ms_ = 0;
    int open_handles_ = 0;
    bool started_ = false;
};

}  // namespace shoal::worker
