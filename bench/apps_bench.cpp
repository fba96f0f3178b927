// SPDX-License-Identifier: MIT
// bench-links: shoal_apps
// The apps file at the scale of a hosting provider: parsing and validating N apps (what a start
// or a SIGHUP costs the supervisor and each worker) and the per-connect / per-API-call lookup of
// one app by key and by id among N, beside a lookup among 1 (today's single app) as the baseline.
#include <string>

#include <benchmark/benchmark.h>

#include "common/apps/apps_file.hpp"

using namespace shoal;

namespace {

std::string apps_json(std::size_t n) {
    std::string s = "{\"apps\":[";
    for (std::size_t i = 0; i < n; ++i) {
        if (i) s += ',';
        const std::string k = std::to_string(i);
        s += "{\"id\":\"" + k + "\",\"key\":\"key-" + k + "\",\"secret\":\"secret-" + k +
             "\",\"max_connections\":1000,\"enable_client_events\":true,"
             "\"allowed_origins\":[\"https://app" +
             k + ".example\"]}";
    }
    return s + "]}";
}

void BM_ParseApps(benchmark::State& state) {
    const std::string json = apps_json(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto apps = common::parse_apps(json);
        if (!apps) state.SkipWithError("parse failed");
        common::AppSet set(std::move(apps).value());
        benchmark::DoNotOptimize(set.size());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(json.size()));
}
BENCHMARK(BM_ParseApps)->Arg(1)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_FindKey(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    common::AppSet set(common::parse_apps(apps_json(n)).value());
    const std::string key = "key-" + std::to_string(n / 2);
    for (auto _ : state)
        benchmark::DoNotOptimize(set.find_key(key));
}
BENCHMARK(BM_FindKey)->Arg(1)->Arg(10000);

void BM_FindId(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    common::AppSet set(common::parse_apps(apps_json(n)).value());
    const std::string id = std::to_string(n / 2);
    for (auto _ : state)
        benchmark::DoNotOptimize(set.find_id(id));
}
BENCHMARK(BM_FindId)->Arg(1)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
