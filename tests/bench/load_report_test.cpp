// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib shoal_dep_rapidjson
// The report's JSON parses and carries the numbers; the bottleneck verdict follows the CPU used.
#include "bench/loadgen/load_report.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

using namespace shoal::loadgen;

namespace {
RunReport sample_report() {
    RunReport r;
    r.options.label = "a \"quoted\"\nlabel";
    r.options.connections = 1000;
    r.subscribed = 1000;
    r.published = 500;
    r.expected = 500'000;
    r.delivered = 499'990;
    r.lost = 10;
    r.deliveries_per_s = 123456.5;
    r.latency.samples = 499'990;
    r.latency.p99_us = 250.25;
    r.have_server = true;
    r.server_processes = 2;
    r.server_cores = 0.5;
    r.server_rss_per_connection = 900.0;
    r.server_anon_rss_per_connection = 700.0;
    r.own_cores = 0.3;
    return r;
}
}  // namespace

TEST_CASE("load_report: the JSON rendering parses and holds the measured values",
          "[bench][report]") {
    const RunReport r = sample_report();
    const std::string json = render_json(r);
    rapidjson::Document d;
    d.Parse(json.c_str());
    REQUIRE_FALSE(d.HasParseError());
    REQUIRE(std::string(d["label"].GetString()) == r.options.label);
    REQUIRE(d["delivered"].GetUint64() == 499'990);
    REQUIRE(d["lost"].GetUint64() == 10);
    REQUIRE(d["deliveries_per_s"].GetDouble() == Approx(123456.5));
    REQUIRE(d["latency_us"]["p99"].GetDouble() == Approx(250.25));
    REQUIRE(d["server"]["rss_per_connection_bytes"].GetDouble() == Approx(900.0));
    REQUIRE(d["server"]["anon_rss_per_connection_bytes"].GetDouble() == Approx(700.0));
    REQUIRE(d["config"]["connections"].GetInt() == 1000);
}

TEST_CASE("load_report: without a server sample the JSON says null and the table says how",
          "[bench][report]") {
    RunReport r = sample_report();
    r.have_server = false;
    rapidjson::Document d;
    d.Parse(render_json(r).c_str());
    REQUIRE_FALSE(d.HasParseError());
    REQUIRE(d["server"].IsNull());
    REQUIRE(render_table(r).find("--server-pid") != std::string::npos);
}

TEST_CASE("load_report: the bottleneck is the side whose CPU is saturated", "[bench][report]") {
    RunReport r = sample_report();
    r.own_cores = 0.97;
    r.server_cores = 0.4;
    REQUIRE(judge_bottleneck(r).rfind("loadgen", 0) == 0);
    r.own_cores = 0.4;
    r.server_processes = 1;
    r.server_cores = 0.95;
    REQUIRE(judge_bottleneck(r).rfind("server", 0) == 0);
    r.server_processes = 3;  // supervisor + 2 workers: one busy core is not saturation
    REQUIRE(judge_bottleneck(r).rfind("server", 0) != 0);
    r.machine_busy_cores = 1.9;
    r.machine_cores = 2;
    r.other_cores = 1.2;
    REQUIRE(judge_bottleneck(r).rfind("contended", 0) == 0);
    r.other_cores = 0.1;
    r.options.rate = 1000;
    r.published_per_s = 999;
    r.server_cores = 0.1;
    REQUIRE(judge_bottleneck(r).rfind("none", 0) == 0);
    r.own_cores = 0.99;  // spinning on purpose: still "fixed rate met"
    r.options.busy_poll = true;
    REQUIRE(judge_bottleneck(r).rfind("none", 0) == 0);
    r.options.busy_poll = false;
    REQUIRE(judge_bottleneck(r).rfind("loadgen", 0) == 0);
}
