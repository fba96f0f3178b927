// SPDX-License-Identifier: MIT
// Status snapshot and its text and JSON renderings over a real segment.
#include "supervisor/status.hpp"

#include "shm_bus/observability/prometheus_text.hpp"
#include <unistd.h>

#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "supervisor/bus_control.hpp"

using namespace shoal;

namespace {
constexpr std::uint64_t kMs = 1'000'000;
}

TEST_CASE("status: the snapshot reports slots, uptime, heartbeat age, breaker and lag",
          "[supervisor][status]") {
    std::string name = "shoal-sttest-" + std::to_string(::getpid());
    auto lock = sup::BusLock::acquire(name);
    REQUIRE(lock.ok());
    bus::BusConfig cfg;
    cfg.slots = 2;
    auto bc = sup::BusControl::create(lock.value(), name, cfg);
    REQUIRE(bc.ok());
    sup::SlotPublish p;
    p.pid = 4242;
    p.state = bus::SlotState::Running;
    p.epoch = 3;
    p.started_ns = 1'000 * kMs;
    p.restarts = 2;
    p.breaker = bus::BreakerState::Open;
    bc.value()->publish(0, p);
    bus::SlotRecord& s0 = bc.value()->segment().slot(0);
    s0.heartbeat_ns.store(4'900 * kMs);
    s0.connections.store(17);
    bc.value()->announce_up(0, 3);  // control ring tail moves; slot 0 has not read it: lag
    bc.value()->announce_up(1, 1);

    sup::ServerStatus st = sup::snapshot(bc.value()->segment(), name, 5'000 * kMs);
    REQUIRE(st.supervisor_alive);
    REQUIRE(st.slots.size() == 2);
    REQUIRE(st.rings.size() == 3);
    REQUIRE(st.rings[2].writer == "control");
    REQUIRE(st.rings[2].tail > 0);
    const sup::SlotStatus& a = st.slots[0];
    REQUIRE(a.pid == 4242);
    REQUIRE(a.state == "running");
    REQUIRE(a.epoch == 3);
    REQUIRE(a.uptime_ms == 4'000);
    REQUIRE(a.heartbeat_age_ms == 100);
    REQUIRE(a.restarts == 2);
    REQUIRE(a.breaker == "open");
    REQUIRE(a.connections == 17);
    REQUIRE(a.max_lag_bytes == st.rings[2].tail);
    REQUIRE(a.read_positions.size() == 3);
    REQUIRE(a.read_positions[2] == 0);
    REQUIRE(st.slots[1].state == "empty");
    REQUIRE(st.slots[1].max_lag_bytes == 0);  // not running: no lag to speak of

    SECTION("the JSON form parses and carries the same numbers") {
        rapidjson::Document d;
        std::string json = sup::render_json(st);
        d.Parse(json.c_str());
        REQUIRE_FALSE(d.HasParseError());
        REQUIRE(d["slots"][0]["pid"].GetUint() == 4242);
        REQUIRE(std::string(d["slots"][0]["breaker"].GetString()) == "open");
        REQUIRE(d["slots"][0]["connections"].GetUint64() == 17);
        REQUIRE(d["rings"].Size() == 3);
        REQUIRE(d["slots"][0]["read_positions"].Size() == 3);
    }
    SECTION("the text form has one line per slot with its pid and breaker") {
        std::string text = sup::render_text(st);
        REQUIRE(text.find("4242") != std::string::npos);
        REQUIRE(text.find("open") != std::string::npos);
        REQUIRE(text.find(name) != std::string::npos);
    }
    lock->release_and_unlink();
}

TEST_CASE("status: a corrupt state word is reported as unknown, not trusted",
          "[supervisor][status]") {
    std::string name = "shoal-sttest2-" + std::to_string(::getpid());
    auto lock = sup::BusLock::acquire(name);
    REQUIRE(lock.ok());
    bus::BusConfig cfg;
    cfg.slots = 1;
    auto bc = sup::BusControl::create(lock.value(), name, cfg);
    REQUIRE(bc.ok());
    bc.value()->segment().slot(0).state.store(static_cast<bus::SlotState>(77));
    sup::ServerStatus st = sup::snapshot(bc.value()->segment(), name, 1);
    REQUIRE(st.slots[0].state == "unknown");
    lock->release_and_unlink();
}

TEST_CASE("status: each slot's counters and the host totals, kept across a restart of the slot",
          "[supervisor][status]") {
    using common::Counter;
    std::string name = "shoal-sttest3-" + std::to_string(::getpid());
    auto lock = sup::BusLock::acquire(name);
    REQUIRE(lock.ok());
    bus::BusConfig cfg;
    cfg.slots = 2;
    auto bc = sup::BusControl::create(lock.value(), name, cfg);
    REQUIRE(bc.ok());
    sup::SlotPublish p;
    p.pid = 100;
    p.state = bus::SlotState::Running;
    p.epoch = 1;
    p.started_ns = 1'000 * kMs;
    bc.value()->publish(0, p);
    p.pid = 101;
    bc.value()->publish(1, p);
    bus::Segment& seg = bc.value()->segment();
    seg.slot(0).counters.add(Counter::ConnectionsAccepted, 4);
    seg.slot(0).counters.add(Counter::BusRecordsOut, 9);
    seg.slot(0).counters.add(Counter::BusRecordsLost, 2);
    seg.slot(0).counters.raise(Counter::SendQueuePeakBytes, 1000);
    seg.slot(1).counters.add(Counter::ConnectionsAccepted, 6);
    seg.slot(1).counters.add(Counter::BusRecordsIn, 9);
    seg.slot(1).counters.raise(Counter::SendQueuePeakBytes, 3000);
    seg.slot(0).connections.store(3);
    seg.slot(1).connections.store(5);

    // Slot 0's worker dies and the supervisor starts its successor: the slot's fields change,
    // its counters stay.
    p.pid = 0;
    p.state = bus::SlotState::Down;
    bc.value()->publish(0, p);
    p.pid = 200;
    p.state = bus::SlotState::Running;
    p.epoch = 2;
    p.restarts = 1;
    bc.value()->publish(0, p);
    seg.slot(0).connections.store(0);
    seg.slot(0).counters.add(Counter::ConnectionsAccepted);

    sup::ServerStatus st = sup::snapshot(seg, name, 2'000 * kMs);
    const std::size_t accepted = static_cast<std::size_t>(Counter::ConnectionsAccepted);
    REQUIRE(st.slots[0].counters[accepted] == 5);
    REQUIRE(st.slots[1].counters[accepted] == 6);
    REQUIRE(st.totals[accepted] == 11);
    REQUIRE(st.totals[static_cast<std::size_t>(Counter::SendQueuePeakBytes)] == 3000);  // largest
    REQUIRE(st.connections == 5);
    // The fields `shoal status` always had now come from the block.
    REQUIRE(st.slots[0].messages_out == 9);
    REQUIRE(st.slots[0].lost_records == 2);
    REQUIRE(st.slots[1].messages_in == 9);

    rapidjson::Document d;
    std::string json = sup::render_json(st);
    d.Parse(json.c_str());
    REQUIRE_FALSE(d.HasParseError());
    REQUIRE(d["slots"][0]["messages_out"].GetUint64() == 9);
    REQUIRE(d["slots"][0]["lost_records"].GetUint64() == 2);
    REQUIRE(d["slots"][0]["counters"]["connections_accepted_total"].GetUint64() == 5);
    REQUIRE(d["slots"][1]["counters"]["bus_records_in_total"].GetUint64() == 9);
    REQUIRE(d["slots"][1]["counters"].MemberCount() == common::kCounterCount);
    REQUIRE(d["totals"]["connections"].GetUint64() == 5);
    REQUIRE(d["totals"]["counters"]["connections_accepted_total"].GetUint64() == 11);
    REQUIRE(d["totals"]["counters"]["send_queue_peak_bytes"].GetUint64() == 3000);

    const std::string text = sup::render_text(st);
    REQUIRE(text.find("totals:") != std::string::npos);
    REQUIRE(text.find("accepted 11") != std::string::npos);
    lock->release_and_unlink();
}

TEST_CASE("status: the host record (cluster link, hosts, Redis connects) reaches JSON and metrics",
          "[supervisor][status]") {
    std::string name = "shoal-sthost-" + std::to_string(::getpid());
    auto lock = sup::BusLock::acquire(name);
    REQUIRE(lock.ok());
    bus::BusConfig cfg;
    cfg.slots = 1;
    auto bc = sup::BusControl::create(lock.value(), name, cfg);
    REQUIRE(bc.ok());
    bus::Segment& seg = bc.value()->segment();
    REQUIRE(sup::snapshot(seg, name, 5'000 * kMs).host.cluster == "off");  // a fresh segment
    bus::HostRecord& h = seg.host();
    h.cluster_link.store(bus::ClusterLink::Up);
    h.cluster_hosts.store(2);
    h.redis_connects.store(3);
    h.redis_link_losses.store(2);
    h.started_ns.store(1'000 * kMs);

    sup::ServerStatus st = sup::snapshot(seg, name, 5'000 * kMs);
    REQUIRE(st.host.cluster == "up");
    REQUIRE(st.host.cluster_hosts == 2);
    REQUIRE(st.host.redis_connects == 3);
    REQUIRE(st.host.redis_link_losses == 2);
    REQUIRE(st.host.uptime_ms == 4'000);
    rapidjson::Document d;
    std::string json = sup::render_json(st);
    d.Parse(json.c_str());
    REQUIRE_FALSE(d.HasParseError());
    REQUIRE(std::string(d["host"]["cluster"].GetString()) == "up");
    REQUIRE(d["host"]["redis_connects"].GetUint64() == 3);
    const std::string metrics = obs::render_prometheus(st, std::nullopt);
    REQUIRE(metrics.find("\nshoal_cluster_link_up 1\n") != std::string::npos);
    REQUIRE(metrics.find("\nshoal_cluster_hosts 2\n") != std::string::npos);
    REQUIRE(metrics.find("\nshoal_cluster_redis_link_losses_total 2\n") != std::string::npos);
    REQUIRE(metrics.find("\nshoal_supervisor_uptime_seconds 4.000000\n") != std::string::npos);
    lock->release_and_unlink();
}
