// SPDX-License-Identifier: MIT
// bench-links: shoal_worker
// The channel core's subscription table: building and tearing down one channel of N subscribers
// (a mass join after a deploy, a worker's drain), and the fan-out walk over it.
#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "worker/channel/topic_table.hpp"

using namespace shoal;

namespace {

// N connections subscribe to one topic, then unsubscribe in random order (as clients leave).
void BM_SubscribeUnsubscribeOneTopic(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<channel::ConnId> order(n);
    std::iota(order.begin(), order.end(), channel::ConnId{1});
    std::shuffle(order.begin(), order.end(), std::mt19937_64(42));
    for (auto _ : state) {
        channel::TopicTable t;
        for (channel::ConnId c = 1; c <= n; ++c)
            t.subscribe("presence-room", c, 0);
        for (channel::ConnId c : order)
            t.unsubscribe("presence-room", c);
        benchmark::DoNotOptimize(t.topic_count());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n * 2));
}
BENCHMARK(BM_SubscribeUnsubscribeOneTopic)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

// The fan-out walk: one publish to N subscribers, the sink only counting.
void BM_PublishWalk(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    channel::TopicTable t;
    for (channel::ConnId c = 1; c <= n; ++c)
        t.subscribe("news", c, 0);
    const net::FrameRef frame = net::SharedFrame::make_text("{\"event\":\"e\",\"data\":\"x\"}");
    std::size_t seen = 0;
    for (auto _ : state) {
        t.publish("news", 0, frame, channel::kNoConn,
                  [&](channel::ConnId, const net::FrameRef&) { ++seen; });
    }
    benchmark::DoNotOptimize(seen);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_PublishWalk)->Arg(1000)->Arg(100000);

}  // namespace

BENCHMARK_MAIN();
