// SPDX-License-Identifier: MIT
// test-links: shoal_observability
// The Prometheus rendering of a status snapshot: every catalogue counter is exposed, every sample
// follows its own HELP and TYPE, names are valid and prefixed, labels are bounded (slot, state,
// protocol, code, direction), and values are the host's sums. promtool itself checks a live
// scrape in tests/integration/metrics.test.mjs.
#include "shm_bus/observability/prometheus_text.hpp"

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

using namespace shoal;
using common::Counter;

namespace {

obs::ServerStatus two_slots() {
    obs::ServerStatus st;
    st.bus = "b";
    st.supervisor_alive = true;
    for (std::uint32_t i = 0; i < 2; ++i) {
        obs::SlotStatus s;
        s.slot = i;
        s.pid = 100 + i;
        s.state = i == 0 ? "running" : "down";
        s.breaker = i == 0 ? "closed" : "open";
        s.restarts = 3 * i;
        s.connections = 5;
        s.counters[static_cast<std::size_t>(Counter::LocalDeliveries)] = 10 + i;
        s.counters[static_cast<std::size_t>(Counter::PusherConnectionsOpened)] = 9;
        s.counters[static_cast<std::size_t>(Counter::PusherConnectionsClosed)] = 4;
        common::accumulate(st.totals, s.counters);
        st.slots.push_back(s);
    }
    st.connections = 5;
    return st;
}

std::map<std::string, std::string> samples(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto sp = line.rfind(' ');
        out[line.substr(0, sp)] = line.substr(sp + 1);
    }
    return out;
}

}  // namespace

TEST_CASE("prometheus: every catalogue counter is exposed", "[observability][prometheus]") {
    for (std::size_t i = 0; i < common::kCounterCount; ++i) {
        INFO(common::name(static_cast<Counter>(i)));
        REQUIRE(obs::exposes(static_cast<Counter>(i)));
    }
}

TEST_CASE("prometheus: each sample follows its HELP and TYPE; names and labels are bounded",
          "[observability][prometheus]") {
    const std::string text = obs::render_prometheus(two_slots(), obs::ChannelGauges{2, 7, 3});
    const std::regex sample(R"re(^shoal_([a-z_]+)(\{([a-z_]+="[a-z0-9-]+",?)+\})? [0-9.]+$)re");
    const std::set<std::string> labels = {"slot", "state",     "protocol",
                                          "code", "direction", "reason"};
    std::set<std::string> typed;
    std::istringstream in(text);
    std::string line, current;
    while (std::getline(in, line)) {
        INFO(line);
        if (line.rfind("# HELP ", 0) == 0) continue;
        if (line.rfind("# TYPE ", 0) == 0) {
            current = line.substr(7, line.find(' ', 7) - 7);
            REQUIRE(typed.insert(current).second);  // one family, one block
            const std::string type = line.substr(line.rfind(' ') + 1);
            REQUIRE((type == "counter" || type == "gauge"));
            REQUIRE((type == "counter") == current.ends_with("_total"));
            continue;
        }
        REQUIRE(std::regex_match(line, sample));
        REQUIRE(line.rfind(current, 0) == 0);
        std::smatch m;
        std::string rest = line;
        const std::regex label(R"re(([a-z_]+)=")re");
        while (std::regex_search(rest, m, label)) {
            REQUIRE(labels.count(m[1]) == 1);
            rest = m.suffix();
        }
    }
}

TEST_CASE("prometheus: values are host sums; a dead slot shows down, open and no sessions",
          "[observability][prometheus]") {
    auto s = samples(obs::render_prometheus(two_slots(), obs::ChannelGauges{2, 7, 3}));
    REQUIRE(s["shoal_up"] == "1");
    REQUIRE(s["shoal_deliveries_total"] == "21");
    REQUIRE(s["shoal_connections"] == "5");
    REQUIRE(s["shoal_channels"] == "2");
    REQUIRE(s["shoal_subscriptions"] == "7");
    REQUIRE(s["shoal_presence_members"] == "3");
    REQUIRE(s["shoal_protocol_connections{protocol=\"pusher\"}"] == "5");  // the live slot only
    REQUIRE(s["shoal_protocol_connections_opened_total{protocol=\"pusher\"}"] == "18");
    REQUIRE(s["shoal_worker_up{slot=\"0\"}"] == "1");
    REQUIRE(s["shoal_worker_up{slot=\"1\"}"] == "0");
    REQUIRE(s["shoal_worker_connections{slot=\"1\"}"] == "0");
    REQUIRE(s["shoal_worker_restarts_total{slot=\"1\"}"] == "3");
    REQUIRE(s["shoal_worker_breaker_state{slot=\"1\",state=\"open\"}"] == "1");
    REQUIRE(s["shoal_worker_breaker_state{slot=\"1\",state=\"closed\"}"] == "0");
    REQUIRE(s["shoal_http_responses_total{code=\"2xx\"}"] == "0");
}

TEST_CASE("prometheus: without a channel replica the channel gauges are left out",
          "[observability][prometheus]") {
    auto s = samples(obs::render_prometheus(two_slots(), std::nullopt));
    REQUIRE(s.count("shoal_channels") == 0);
    REQUIRE(s.count("shoal_deliveries_total") == 1);
}

TEST_CASE("prometheus: the webhook sender's figures", "[observability][prometheus]") {
    obs::ServerStatus st = two_slots();
    st.webhooks.queue_batches = 3;
    st.webhooks.queue_bytes = 4096;
    st.webhooks.requests_sent = 10;
    st.webhooks.events_sent = 25;
    st.webhooks.requests_failed = 2;
    st.webhooks.requests_retried = 2;
    st.webhooks.dropped_overflow = 4;
    st.webhooks.dropped_expired = 1;
    st.webhooks.leader = true;
    auto s = samples(obs::render_prometheus(st, std::nullopt));
    REQUIRE(s["shoal_webhook_queue_batches"] == "3");
    REQUIRE(s["shoal_webhook_queue_bytes"] == "4096");
    REQUIRE(s["shoal_webhook_requests_sent_total"] == "10");
    REQUIRE(s["shoal_webhook_events_sent_total"] == "25");
    REQUIRE(s["shoal_webhook_requests_failed_total"] == "2");
    REQUIRE(s["shoal_webhook_requests_retried_total"] == "2");
    REQUIRE(s["shoal_webhook_requests_dropped_total{reason=\"overflow\"}"] == "4");
    REQUIRE(s["shoal_webhook_requests_dropped_total{reason=\"expired\"}"] == "1");
    REQUIRE(s["shoal_webhook_requests_dropped_total{reason=\"unrouted\"}"] == "0");
    REQUIRE(s["shoal_webhook_leader"] == "1");
}
