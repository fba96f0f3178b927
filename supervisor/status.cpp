// SPDX-License-Identifier: MIT
// Reads the segment read-only and trusts no word in it: an unknown state prints as "unknown".
#include "supervisor/status.hpp"

#include <signal.h>

#include <atomic>
#include <cstdio>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "supervisor/supervisor_main.hpp"

namespace shoal::sup {
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

template <class Writer>
void write_counters(Writer& w, const common::CounterValues& v) {
    w.StartObject();
    for (std::size_t i = 0; i < common::kCounterCount; ++i) {
        const std::string_view n = common::name(static_cast<common::Counter>(i));
        w.Key(n.data(), static_cast<rapidjson::SizeType>(n.size()));
        w.Uint64(v[i]);
    }
    w.EndObject();
}

}  // namespace

ServerStatus snapshot(const bus::Segment& seg, const std::string& bus_name, std::uint64_t now_ns) {
    ServerStatus st;
    st.bus = bus_name;
    st.supervisor_pid = seg.creator_pid();
    st.supervisor_alive =
        st.supervisor_pid != 0 && ::kill(static_cast<pid_t>(st.supervisor_pid), 0) == 0;
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

std::string render_text(const ServerStatus& st) {
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "bus %s  supervisor pid %lu (%s)  ring %lu bytes\n",
                  st.bus.c_str(), static_cast<unsigned long>(st.supervisor_pid),
                  st.supervisor_alive ? "running" : "not running: stale segment",
                  static_cast<unsigned long>(st.ring_bytes));
    out += line;
    std::snprintf(line, sizeof line, "%-4s %-8s %-9s %6s %10s %6s %8s %-9s %6s %10s %10s\n", "slot",
                  "pid", "state", "epoch", "uptime_s", "hb_ms", "restarts", "breaker", "conns",
                  "lag_bytes", "lost");
    out += line;
    for (const auto& s : st.slots) {
        std::snprintf(line, sizeof line,
                      "%-4u %-8u %-9s %6lu %10.1f %6lu %8u %-9s %6lu %10lu %10lu\n", s.slot, s.pid,
                      s.state.c_str(), static_cast<unsigned long>(s.epoch), s.uptime_ms / 1000.0,
                      static_cast<unsigned long>(s.heartbeat_age_ms), s.restarts, s.breaker.c_str(),
                      static_cast<unsigned long>(s.connections),
                      static_cast<unsigned long>(s.max_lag_bytes),
                      static_cast<unsigned long>(s.lost_records));
        out += line;
    }
    using common::Counter;
    const auto& t = st.totals;
    std::snprintf(line, sizeof line,
                  "totals: conns %lu  accepted %lu  refused %lu  ws opened %lu  published %lu  "
                  "delivered %lu  bus out %lu  in %lu  lost %lu\n",
                  static_cast<unsigned long>(st.connections),
                  static_cast<unsigned long>(t[idx(Counter::ConnectionsAccepted)]),
                  static_cast<unsigned long>(t[idx(Counter::ConnectionsRefused)]),
                  static_cast<unsigned long>(t[idx(Counter::WebsocketsOpened)]),
                  static_cast<unsigned long>(t[idx(Counter::ClientMessagesPublished)]),
                  static_cast<unsigned long>(t[idx(Counter::LocalDeliveries)]),
                  static_cast<unsigned long>(t[idx(Counter::BusRecordsOut)]),
                  static_cast<unsigned long>(t[idx(Counter::BusRecordsIn)]),
                  static_cast<unsigned long>(t[idx(Counter::BusRecordsLost)]));
    out += line;
    out += "ring writer     tail       latest     epoch\n";
    for (const auto& r : st.rings) {
        std::snprintf(line, sizeof line, "%-4u %-10s %-10lu %-10lu %lu\n", r.ring, r.writer.c_str(),
                      static_cast<unsigned long>(r.tail), static_cast<unsigned long>(r.latest),
                      static_cast<unsigned long>(r.writer_epoch));
        out += line;
    }
    return out;
}

std::string render_json(const ServerStatus& st) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("bus");
    w.String(st.bus.c_str());
    w.Key("supervisor_pid");
    w.Uint64(st.supervisor_pid);
    w.Key("supervisor_alive");
    w.Bool(st.supervisor_alive);
    w.Key("ring_bytes");
    w.Uint64(st.ring_bytes);
    w.Key("slots");
    w.StartArray();
    for (const auto& s : st.slots) {
        w.StartObject();
        w.Key("slot");
        w.Uint(s.slot);
        w.Key("pid");
        w.Uint(s.pid);
        w.Key("state");
        w.String(s.state.c_str());
        w.Key("epoch");
        w.Uint64(s.epoch);
        w.Key("uptime_ms");
        w.Uint64(s.uptime_ms);
        w.Key("heartbeat_age_ms");
        w.Uint64(s.heartbeat_age_ms);
        w.Key("restarts");
        w.Uint(s.restarts);
        w.Key("breaker");
        w.String(s.breaker.c_str());
        w.Key("connections");
        w.Uint64(s.connections);
        w.Key("messages_in");
        w.Uint64(s.messages_in);
        w.Key("messages_out");
        w.Uint64(s.messages_out);
        w.Key("lost_records");
        w.Uint64(s.lost_records);
        w.Key("max_lag_bytes");
        w.Uint64(s.max_lag_bytes);
        w.Key("read_positions");
        w.StartArray();
        for (std::uint64_t p : s.read_positions)
            w.Uint64(p);
        w.EndArray();
        w.Key("counters");
        write_counters(w, s.counters);
        w.EndObject();
    }
    w.EndArray();
    w.Key("totals");
    w.StartObject();
    w.Key("connections");
    w.Uint64(st.connections);
    w.Key("counters");
    write_counters(w, st.totals);
    w.EndObject();
    w.Key("rings");
    w.StartArray();
    for (const auto& r : st.rings) {
        w.StartObject();
        w.Key("ring");
        w.Uint(r.ring);
        w.Key("writer");
        w.String(r.writer.c_str());
        w.Key("tail");
        w.Uint64(r.tail);
        w.Key("latest");
        w.Uint64(r.latest);
        w.Key("writer_epoch");
        w.Uint64(r.writer_epoch);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

int run_status(const common::Config& config, bool json) {
    std::string name = config.effective_bus_name();
    auto seg = bus::Segment::attach_readonly(name);
    if (!seg) {
        SHOAL_ERROR("shoal status: no server on bus %s: %s", name.c_str(),
                    seg.error().message().c_str());
        return 1;
    }
    ServerStatus st = snapshot(seg.value(), name, common::monotonic_ns());
    std::string out = json ? render_json(st) : render_text(st);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return st.supervisor_alive ? 0 : 1;
}

}  // namespace shoal::sup
