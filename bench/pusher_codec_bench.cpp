// SPDX-License-Identifier: MIT
// bench-links: shoal_codec
// The Pusher codec's per-message costs: parsing client messages, encoding a broadcast, and the
// signature checks (channel auth on subscribe, HTTP API request auth). Run with
// --benchmark_counters_tabular=true; compare against BM_Baseline_Memcpy from the same run.
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "worker/codec/pusher_encode.hpp"
#include "worker/codec/pusher_http_auth.hpp"
#include "worker/codec/pusher_message.hpp"
#include "worker/codec/pusher_signature.hpp"

using namespace shoal::codec;

namespace {

const std::string kClientEvent =
    R"({"event":"client-move","channel":"presence-game-42","data":{"x":12,"y":-3,"tag":"abc"}})";
const std::string kSubscribe =
    R"({"event":"pusher:subscribe","data":{"channel":"private-orders-1","auth":"app-key:)"
    R"(58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"}})";

void BM_Baseline_Memcpy(benchmark::State& state) {
    std::vector<char> dst(kClientEvent.size());
    for (auto _ : state) {
        std::memcpy(dst.data(), kClientEvent.data(), kClientEvent.size());
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_Baseline_Memcpy);

void BM_ParseClientEvent(benchmark::State& state) {
    PusherParser parser;
    ClientMessage m;
    for (auto _ : state) {
        benchmark::DoNotOptimize(parser.parse(kClientEvent, m));
        benchmark::DoNotOptimize(m.data_json.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kClientEvent.size()));
}
BENCHMARK(BM_ParseClientEvent);

void BM_ParseSubscribe(benchmark::State& state) {
    PusherParser parser;
    ClientMessage m;
    for (auto _ : state)
        benchmark::DoNotOptimize(parser.parse(kSubscribe, m));
}
BENCHMARK(BM_ParseSubscribe);

// What the HTTP API does once per channel: one encode, shared by every subscriber.
void BM_EncodeBroadcast(benchmark::State& state) {
    std::string out;
    std::string data(static_cast<std::size_t>(state.range(0)), 'x');
    for (auto _ : state) {
        encode_event_string(out, "App\\Events\\OrderShipped", "private-orders-1", data);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_EncodeBroadcast)->Arg(64)->Arg(1024)->Arg(10 * 1024);

void BM_VerifyChannelAuth(benchmark::State& state) {
    auto auth = sign_channel("app-key", "app-secret", "1234.5678", "private-orders-1", "");
    for (auto _ : state)
        benchmark::DoNotOptimize(verify_channel_auth("app-key", "app-secret", "1234.5678",
                                                     "private-orders-1", "", auth));
}
BENCHMARK(BM_VerifyChannelAuth);

void BM_VerifyHttpRequest(benchmark::State& state) {
    std::string body = R"({"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"})";
    std::string query = sign_http_query("POST", "/apps/3/events", {}, "k", "s", 1000, body);
    std::vector<QueryParam> params;
    for (auto _ : state) {
        parse_query(query, params);
        HttpAuthInput in{"POST", "/apps/3/events", &params, body};
        benchmark::DoNotOptimize(verify_http_auth(in, "k", "s", 1000));
    }
}
BENCHMARK(BM_VerifyHttpRequest);

}  // namespace

BENCHMARK_MAIN();
