// SPDX-License-Identifier: MIT
// The loop side of the bus (C8): drain on wake-up, on the tick and before sleeping; declare idle
// only after one more poll found nothing; publish what was written and wake idle readers once
// per iteration, not per record.
#include "worker/bus_bridge/bus_endpoint.hpp"

#include <time.h>

#include <algorithm>

#include "common/clock.hpp"
#include "common/log.hpp"

namespace shoal::worker {
namespace {

template <class H>
uv_handle_t* as_handle(H* h) {
    return reinterpret_cast<uv_handle_t*>(h);
}

}  // namespace

BusEndpoint::BusEndpoint(SupervisorLink& link, channel::ChannelHub& hub, std::uint32_t slot)
    : link_(link),
      hub_(hub),
      slot_(slot),
      bridge_(*link.segment(), hub, slot, link.epoch()),
      wakeup_(*link.segment(), link.wakeup_fds(), slot) {}

common::Result<std::unique_ptr<BusEndpoint>> BusEndpoint::start(uv_loop_t* loop,
                                                                SupervisorLink& link,
                                                                channel::ChannelHub& hub, int slot,
                                                                bool cluster) {
    if (slot < 0 || link.segment() == nullptr)
        return common::Error{common::Errc::Config, 0, "bus endpoint needs a slot worker's link"};
    std::unique_ptr<BusEndpoint> ep(new BusEndpoint(link, hub, static_cast<std::uint32_t>(slot)));
    if (auto r = ep->bridge_.recover(); !r) return r.error();
    hub.attach_bus(&ep->bridge_);
    ep->bridge_.set_cluster(cluster);
    ep->bridge_.hold_counts(kCountHoldMs, kCountBurst);
    ep->bridge_.request_snapshots();
    ep->wait_for_snapshots();

    uv_poll_init(loop, &ep->poll_, ep->wakeup_.fd());
    uv_prepare_init(loop, &ep->prepare_);
    uv_check_init(loop, &ep->check_);
    uv_idle_init(loop, &ep->idle_);
    uv_timer_init(loop, &ep->tick_);
    uv_timer_init(loop, &ep->accept_timer_);
    for (uv_handle_t* h :
         {as_handle(&ep->poll_), as_handle(&ep->prepare_), as_handle(&ep->check_),
          as_handle(&ep->idle_), as_handle(&ep->tick_), as_handle(&ep->accept_timer_)}) {
        h->data = ep.get();
        uv_unref(h);  // the server decides when the loop ends
        ++ep->open_handles_;
    }
    ep->started_ = true;
    uv_poll_start(&ep->poll_, UV_READABLE, [](uv_poll_t* p, int, int) {
        auto* self = static_cast<BusEndpoint*>(p->data);
        self->wakeup_.clear();
        self->drain();
    });
    uv_prepare_start(&ep->prepare_,
                     [](uv_prepare_t* p) { static_cast<BusEndpoint*>(p->data)->before_sleep(); });
    uv_check_start(&ep->check_,
                   [](uv_check_t* c) { static_cast<BusEndpoint*>(c->data)->after_io(); });
    uv_timer_start(
        &ep->tick_, [](uv_timer_t* t) { static_cast<BusEndpoint*>(t->data)->drain(); }, kBusTickMs,
        kBusTickMs);
    SHOAL_INFO("bus endpoint: slot=%d epoch=%llu ready", slot,
               static_cast<unsigned long long>(link.epoch()));
    return ep;
}

void BusEndpoint::wait_for_snapshots() {
    // Runs before the loop does: nothing else needs this process yet, and the answers come from
    // the other workers' loops, which the request's wake-up reached.
    const std::uint64_t deadline = common::monotonic_ns() + kSnapshotWaitMs * 1'000'000ull;
    const std::size_t asked = bridge_.awaiting_snapshots();
    while (bridge_.awaiting_snapshots() > 0 && common::monotonic_ns() < deadline) {
        if (bridge_.publish_written()) wakeup_.notify_idle_readers();
        if (bridge_.poll(kBusPollBudget) == 0) {
            timespec pause{0, 1'000'000};
            ::nanosleep(&pause, nullptr);
        }
    }
    if (bridge_.publish_written()) wakeup_.notify_idle_readers();
    if (bridge_.awaiting_snapshots() > 0) {
        SHOAL_WARN(
            "bus: %zu of %zu live slots did not answer the snapshot request within %u ms; "
            "serving with what arrived",
            bridge_.awaiting_snapshots(), asked, kSnapshotWaitMs);
        bridge_.stop_waiting();
    } else if (asked > 0) {
        SHOAL_INFO("bus: presence snapshot from %zu live slots received", asked);
    }
}

bool BusEndpoint::publish() noexcept {
    return tick_.loop ? bridge_.publish_written_at(uv_now(tick_.loop)) : bridge_.publish_written();
}

void BusEndpoint::drain() noexcept {
    bridge_.poll(kBusPollBudget);
    if (publish()) wakeup_.notify_idle_readers();
}

void BusEndpoint::before_sleep() noexcept {
    bridge_.poll(kBusPollBudget);
    if (publish()) wakeup_.notify_idle_readers();
    // C8: declare idle, then look once more; a writer that published before seeing the flag is
    // caught by this look, one that publishes after it sees the flag and writes the eventfd.
    wakeup_.prepare_to_sleep();
    if (bridge_.has_data()) {
        wakeup_.cancel_sleep();
        uv_idle_start(&idle_, [](uv_idle_t*) {});  // poll without blocking: the next turn drains
    } else {
        uv_idle_stop(&idle_);
    }
}

void BusEndpoint::after_io() noexcept {
    // Awake now: writers need not signal us until we declare idle again.
    wakeup_.cancel_sleep();
    if (publish()) wakeup_.notify_idle_readers();
}

void BusEndpoint::pace_accepts(net::Server& server) noexcept {
    server_ = &server;
    // Records committed with Publish::Later become visible before any byte this iteration
    // answers leaves the worker: a client that got the 200 of a trigger can count on its event
    // being on the bus (libuv runs check handles in no order we choose, so after_io alone could
    // come after the server's writes).
    server.before_writes(
        [](void* ep) noexcept {
            auto* self = static_cast<BusEndpoint*>(ep);
            if (self->publish()) self->wakeup_.notify_idle_readers();
        },
        this);
    server.pace_accepts_with(
        [](void* ctx) {
            auto* self = static_cast<BusEndpoint*>(ctx);
            if (!self->started_ || !self->over_share()) return false;
            self->accept_pending_since_ms_ = uv_now(self->accept_timer_.loop);
            uv_timer_start(
                &self->accept_timer_,
                [](uv_timer_t* t) {
                    auto* ep = static_cast<BusEndpoint*>(t->data);
                    const std::uint64_t waited = uv_now(t->loop) - ep->accept_pending_since_ms_;
                    if (waited < kAcceptDeferMs && ep->over_share()) return;
                    uv_timer_stop(t);
                    ep->server_->resume_accept();
                },
                kAcceptRecheckMs, kAcceptRecheckMs);
            return true;
        },
        this);
}

bool BusEndpoint::over_share() noexcept {
    link_.publish_connections();
    const bus::Segment& seg = *link_.segment();
    const std::uint64_t mine = server_->connection_count();
    std::uint64_t least = mine;
    const std::uint64_t now = common::monotonic_ns();
    for (std::uint32_t s = 0; s < seg.config().slots; ++s) {
        if (s == slot_) continue;
        // Relaxed: an estimate; a stale count costs evenness, nothing else.
        if (seg.slot(s).state.load(std::memory_order_relaxed) != bus::SlotState::Running) continue;
        // A stopped or hung worker (stale heartbeat) takes no accepts: nobody waits for it.
        const std::uint64_t beat = seg.slot(s).heartbeat_ns.load(std::memory_order_relaxed);
        if (now > beat + kAcceptStaleNs) continue;
        least = std::min(least, seg.slot(s).connections.load(std::memory_order_relaxed));
    }
    return mine >= least + std::max<std::uint64_t>(kAcceptSlack, least >> kAcceptSlackShift);
}

void BusEndpoint::close() noexcept {
    if (!started_) return;
    started_ = false;
    hub_.attach_bus(nullptr);
    // Nothing is written from here on: make the last iteration's records visible (the drain's
    // presence leaves among them) and wake whoever sleeps.
    if (bridge_.publish_written()) wakeup_.notify_idle_readers();
    uv_poll_stop(&poll_);
    uv_prepare_stop(&prepare_);
    uv_check_stop(&check_);
    uv_idle_stop(&idle_);
    uv_timer_stop(&tick_);
    uv_timer_stop(&accept_timer_);
    if (server_) server_->pace_accepts_with(nullptr, nullptr);
    if (server_) server_->before_writes(nullptr, nullptr);
    if (server_) server_->resume_accept();
    for (uv_handle_t* h : {as_handle(&poll_), as_handle(&prepare_), as_handle(&check_),
                           as_handle(&idle_), as_handle(&tick_), as_handle(&accept_timer_)})
        uv_close(h, [](uv_handle_t* hh) { --static_cast<BusEndpoint*>(hh->data)->open_handles_; });
}

BusEndpoint::~BusEndpoint() {
    if (open_handles_ == 0) return;
    uv_loop_t* loop = tick_.loop;
    close();
    uv_run(loop, UV_RUN_NOWAIT);  // lets the close callbacks run before this memory goes
}

}  // namespace shoal::worker
