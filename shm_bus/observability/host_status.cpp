// SPDX-License-Identifier: MIT
// Reads the segment read-only and trusts no word in it: an unknown state reads "unknown".
#include "shm_bus/observability/host_status.hpp"

#include <signal.h>

#include <atomic>

#include "shm_bus/observability/process_stats.hpp"

namespace shoal::obs {
namespace {

const char* state_name(bus::SlotState s) {
    switch (s) {
        case bus::SlotState::Empty:
            return "empty";
        case bus::SlotState::Starting:
            return "starting";
        case bus::SlotState::Running:
            return "running";
        case bus::SlotState::Stopping:
            return "stopping";
        case bus::SlotState::Down:
            return "down";
    }
    return "unknown";  // a corrupt word: status reports it rather than trusting it
}

const char* breaker_name(bus::BreakerState b) {
    switch (b) {
        case bus::BreakerState::Closed:
            return "closed";
        case bus::BreakerState::Open:
            return "open";
        case bus::BreakerState::HalfOpen:
            return "half-open";
    }
    return "unknown";
}

std::uint64_t ms_since(std::uint64_t then_ns, std::uint64_t now_ns) {
    return then_ns != 0 && now_ns > then_ns ? (now_ns - then_ns) / 1'000'000 : 0;
}

constexpr auto kRelaxed = std::memory_order_relaxed;

constexpr std::size_t idx(common::Counter c) {
    return static_cast<std::size_t>(c);
}

}  // namespace

ServerStatus snapshot(const bus::Segment& seg, const std::string& bus_name, std::uint64_t now_ns) {
    ServerStatus st;
    st.bus = bus_name;
    st.supervisor_pid = seg.creator_pid();
    st.supervisor_alive =
        st.supervisor_pid != 0 && ::kill(static_cast<pid_t>(st.supervisor_pid), 0) == 0;
    const bus::HostRecord& host = seg.host();
    const bus::ClusterLink link = host.cluster_link.load(kRelaxed);
    st.host.cluster = link == bus::ClusterLink::Up     ? "up"
                      : link == bus::ClusterLink::Down ? "down"
                      : link == bus::ClusterLink::Off  ? "off"
                                                       : "unknown";
    st.host.cluster_hosts = host.cluster_hosts.load(kRelaxed);
    st.host.redis_connects = host.redis_connects.load(kRelaxed);
    st.host.redis_link_losses = host.redis_link_losses.load(kRelaxed);
    st.host.uptime_ms = ms_since(host.started_ns.load(kRelaxed), now_ns);
    const bus::WebhookRecord& wh = seg.webhooks();
    st.webhooks.queue_batches = wh.queue_batches.load(kRelaxed);
    st.webhooks.queue_bytes = wh.queue_bytes.load(kRelaxed);
    st.webhooks.requests_sent = wh.requests_sent.load(kRelaxed);
    st.webhooks.events_sent = wh.events_sent.load(kRelaxed);
    st.webhooks.requests_failed = wh.requests_failed.load(kRelaxed);
    st.webhooks.requests_retried = wh.requests_retried.load(kRelaxed);
    st.webhooks.dropped_overflow = wh.dropped_overflow.load(kRelaxed);
    st.webhooks.dropped_expired = wh.dropped_expired.load(kRelaxed);
    st.webhooks.dropped_unrouted = wh.dropped_unrouted.load(kRelaxed);
    st.webhooks.leader = wh.leader.load(kRelaxed) == 1;
    const bus::BusConfig& c = seg.config();
    st.ring_bytes = c.ring_bytes;
    for (std::uint32_t r = 0; r < c.ring_count(); ++r) {
        const bus::RingHeader& h = seg.ring_header(r);
        RingStatus rs;
        rs.ring = r;
        rs.writer = r == c.control_ring() ? "control" : "slot " + std::to_string(r);
        rs.tail = h.tail.load(std::memory_order_acquire);
        rs.latest = h.latest.load(kRelaxed);
        rs.writer_epoch = h.writer_epoch.load(kRelaxed);
        st.rings.push_back(rs);
    }
    for (std::uint32_t i = 0; i < c.slots; ++i) {
        const bus::SlotRecord& s = seg.slot(i);
        SlotStatus ss;
        ss.slot = i;
        ss.state = state_name(s.state.load(std::memory_order_acquire));
        ss.pid = s.pid.load(kRelaxed);
        ss.epoch = s.epoch.load(kRelaxed);
        std::uint64_t started = s.started_ns.load(kRelaxed);
        bool live = ss.state == "running" || ss.state == "starting" || ss.state == "stopping";
        ss.uptime_ms = live ? ms_since(started, now_ns) : 0;
        std::uint64_t hb = s.heartbeat_ns.load(kRelaxed);
        ss.heartbeat_age_ms = live && hb >= started ? ms_since(hb, now_ns) : 0;
        ss.restarts = s.restarts.load(kRelaxed);
        ss.breaker = breaker_name(s.breaker.load(kRelaxed));
        ss.connections = s.connections.load(kRelaxed);
        ss.counters = common::read_all(s.counters);
        ss.messages_in = ss.counters[idx(common::Counter::BusRecordsIn)];
        ss.messages_out = ss.counters[idx(common::Counter::BusRecordsOut)];
        ss.lost_records = ss.counters[idx(common::Counter::BusRecordsLost)];
        common::accumulate(st.totals, ss.counters);
        if (live) st.connections += ss.connections;  // a dead worker's last gauge is stale
        for (std::uint32_t r = 0; r < c.ring_count(); ++r)
            ss.read_positions.push_back(s.read_position[r].load(kRelaxed));
        if (live) {
            const ProcStats ps = read_proc_stats(ss.pid);
            ss.proc_ok = ps.ok;
            ss.rss_bytes = ps.rss_bytes;
            ss.cpu_seconds = ps.cpu_seconds;
        }
        for (std::uint32_t r = 0; r < c.ring_count(); ++r) {
            if (r == i || !live) continue;
            std::uint64_t pos = ss.read_positions[r];
            std::uint64_t tail = st.rings[r].tail;
            if (tail > pos && tail - pos > ss.max_lag_bytes) ss.max_lag_bytes = tail - pos;
        }
        st.slots.push_back(ss);
    }
    return st;
}

}  // namespace shoal::obs
