// SPDX-License-Identifier: MIT
// HostView: the supervisor's always-on reader of every worker ring and of the control ring. It
// keeps the host's presence and topic counts (HostState), answers host-wide queries, tells
// observers when a topic or a presence member appears or goes host-wide, and hands every record
// to the sinks attached (the cluster relay). Lapped on a ring, it asks that worker for its state
// through the control ring and reconciles; it never writes a worker's ring, and a worker never
// waits for it. See docs/ARCHITECTURE.md "Host view".
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <uv.h>

#include "shm_bus/ring_reader.hpp"
#include "supervisor/bus_control.hpp"
#include "supervisor/host_view/host_state.hpp"
#include "supervisor/host_view/host_view_sink.hpp"
#include "supervisor/status.hpp"

namespace shoal::host_view {

struct ViewCounters {
    static constexpr std::size_t kTypes = 9;  // records::kBroadcast .. records::kCachedEvent
    std::array<std::uint64_t, kTypes> worker_records{};  // by type - records::kBroadcast
    std::uint64_t other_records = 0;                     // worker records of an unknown type
    std::uint64_t control_records = 0;                   // everything read on the control ring
    std::uint64_t worker_downs = 0;
    std::uint64_t bad_records = 0;            // undecodable
    std::vector<std::uint64_t> lost_records;  // per ring, the control ring last
    std::uint64_t resyncs_requested = 0;
};

class HostView {
  public:
    static constexpr std::size_t kPollBudget = 256;      // records per ring per poll
    static constexpr std::uint64_t kMinPollMs = 1;       // the tightest period (a 1 ms sink)
    static constexpr std::uint64_t kMaxIdlePollMs = 10;  // see idle_ceiling_ms()
    static constexpr std::uint64_t kResyncTimeoutMs = 2000;

    // Readers start at each ring's current tail. Nothing runs before start().
    explicit HostView(sup::BusControl& bus);
    HostView(const HostView&) = delete;
    HostView& operator=(const HostView&) = delete;

    // Polls on `loop` from now on; asks every worker already running for its state.
    void start(uv_loop_t* loop);
    // A last poll (the final worker_downs), then every sink's on_stop(); the timer closes.
    void stop();

    // A sink that needs records within `max_latency_ms` caps the idle backoff at that.
    void attach(HostViewSink& sink, std::uint64_t max_latency_ms);
    void detach(HostViewSink& sink);
    void observe(HostObserver& o) { state_.observe(o); }
    void unobserve(HostObserver& o) { state_.unobserve(o); }
    // Cluster-wide transitions: this host's records plus the pseudo-slots the cluster bridge
    // writes on the control ring for other hosts (docs/webhooks.md).
    void observe_cluster(HostObserver& o) { cluster_.observe(o); }
    void unobserve_cluster(HostObserver& o) { cluster_.unobserve(o); }
    // Other hosts' records applied before `until_ms` (CLOCK_MONOTONIC ms) move the cluster's
    // table without telling observers: a host that joins learns state that is not news.
    void mute_remote_until(std::uint64_t until_ms) noexcept { mute_remote_until_ms_ = until_ms; }

    // One bounded round over every ring (worker rings first, then the control ring); returns
    // the records delivered. The timer calls it; tests call it directly.
    std::size_t poll();

    const HostState& state() const noexcept { return state_; }
    const HostState& cluster_state() const noexcept { return cluster_; }
    const MemberTable& table() const noexcept { return state_.table(); }
    std::uint32_t subscription_count(std::string_view t) const {
        return state_.subscription_count(t);
    }
    std::uint32_t user_count(std::string_view t) const { return state_.user_count(t); }
    const ViewCounters& counters() const noexcept { return counters_; }
    // The workers' side: slots and their counters in shared memory, host totals included. The
    // same sup::snapshot() `shoal status` prints, so both always agree. now_ns: CLOCK_MONOTONIC.
    sup::ServerStatus snapshot(std::uint64_t now_ns) const {
        return sup::snapshot(bus_.segment(), bus_.name(), now_ns);
    }
    std::uint64_t poll_interval_ms() const noexcept { return interval_ms_; }
    std::uint64_t idle_ceiling_ms() const noexcept { return ceiling_ms_; }

    // What the RingTagger of each ring calls.
    void on_record(std::uint32_t ring, std::int32_t type, std::span<const std::byte> p) noexcept;
    void on_lost(std::uint32_t ring, std::uint64_t records) noexcept;

  private:
    void on_timer();
    void arm(std::uint64_t delay_ms);
    void on_worker(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p);
    void on_control(std::int32_t type, std::span<const std::byte> p);
    void on_remote(std::span<const std::byte> p);
    // Applies a presence or count record of `slot` to s; true when it changed s's table.
    static bool apply(HostState& s, std::uint32_t slot, std::int32_t type,
                      std::span<const std::byte> p, bool& bad);
    void resync_remote();
    void slot_down(std::uint32_t slot, std::uint64_t epoch);
    void request_state(std::uint32_t slot);
    void finish_resync(std::uint32_t slot);
    void retry_stale_requests();
    void publish(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p, bool changed);

    sup::BusControl& bus_;
    std::uint32_t slots_;
    HostState state_;
    HostState cluster_;  // state_ plus the other hosts' pseudo-slots
    std::uint64_t mute_remote_until_ms_ = 0;
    bool remote_resync_ = false;  // the other hosts' state is being sent again
    std::vector<bus::RingReader> readers_;
    std::vector<bus::RingTagger<HostView>> inboxes_;
    std::vector<HostViewSink*> sinks_;
    std::vector<std::uint64_t> requested_ms_;  // per slot: when its state was asked; 0: not
    std::vector<std::byte> scratch_;
    ViewCounters counters_;
    uv_timer_t timer_{};
    bool started_ = false;
    bool stopped_ = false;
    bool wrote_ = false;
    bool budget_hit_ = false;
    std::uint64_t ceiling_ms_;
    std::uint64_t interval_ms_ = kMaxIdlePollMs;
};

}  // namespace shoal::host_view
