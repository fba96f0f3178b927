// SPDX-License-Identifier: MIT
// `shoal status`: attaches read-only and prints observability's snapshot as text or JSON.
#include "supervisor/status.hpp"

#include <cstdio>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "supervisor/supervisor_main.hpp"

namespace shoal::sup {
namespace {

constexpr std::size_t idx(common::Counter c) {
    return static_cast<std::size_t>(c);
}

}  // namespace

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
