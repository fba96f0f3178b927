// SPDX-License-Identifier: MIT
// bench-links: shoal_bus
// The channel history's own costs, in one run: appending an event (against a bus ring write of
// the same bytes, which every publish already pays), answering one recovery with a 300-event gap
// (a reconnect storm of N clients costs N of these on the workers that take them), and the
// shared memory each retained event takes.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "shm_bus/history_store.hpp"
#include "shm_bus/ring_writer.hpp"
#include "shm_bus/segment.hpp"

namespace {
using namespace shoal::bus;

constexpr int kTopics = 1000;
const std::string kData(100, 'd');  // a typical small JSON event

std::string topic(int i) {
    return "app-1\x1f"
           "feed-" +
           std::to_string(i);
}

struct Region {
    explicit Region(const HistoryConfig& c) : words(c.region_bytes() / 8 + 1, 0) {}
    std::span<std::byte> bytes() {
        return {reinterpret_cast<std::byte*>(words.data()), words.size() * 8};
    }
    std::vector<std::uint64_t> words;
};

HistoryConfig config() {
    HistoryConfig c;
    c.data_bytes = 256ull << 20;
    c.index_entries = 1u << 12;
    return c;
}

void BM_HistoryAppend(benchmark::State& state) {
    const auto c = config();
    Region region(c);
    HistoryWriter w(region.bytes(), c, 1);
    std::vector<std::string> topics;
    for (int i = 0; i < kTopics; ++i)
        topics.push_back(topic(i));
    std::size_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(w.append(topics[i++ % kTopics], "update", kData, 1));
    state.SetItemsProcessed(state.iterations());
    // Shared memory per retained event: the record is header + topic + name + data, 64-aligned.
    state.counters["bytes_per_event"] = static_cast<double>(w.tail()) / state.iterations();
}
BENCHMARK(BM_HistoryAppend);

// The baseline of the same run: the bus ring write of a record of the same payload size.
void BM_RingWriteSameBytes(benchmark::State& state) {
    BusConfig bc;
    bc.slots = 1;
    static const std::string name = "shoal-bench-history-" + std::to_string(::getpid());
    Segment::remove(name);
    auto seg = Segment::create(name, bc);
    if (!seg.ok()) {
        state.SkipWithError("segment");
        return;
    }
    RingWriter w(seg.value(), 0, 1);
    (void)w.recover();
    std::vector<std::byte> payload(topic(1).size() + 6 + kData.size());
    for (auto _ : state)
        benchmark::DoNotOptimize(w.try_write(1, payload));
    state.SetItemsProcessed(state.iterations());
    Segment::remove(name);
}
BENCHMARK(BM_RingWriteSameBytes);

// One client's recovery of a 300-event gap on a topic, among 1,000 topics of 300+ events each.
void BM_HistoryRecover300(benchmark::State& state) {
    const auto c = config();
    Region region(c);
    HistoryWriter w(region.bytes(), c, 1);
    for (int round = 0; round < 400; ++round)
        for (int t = 0; t < kTopics; ++t)
            w.append(topic(t), "update", kData, 1);
    auto r = HistoryReader::attach(region.bytes());
    Recovery rec;
    int t = 0;
    std::size_t events = 0;
    for (auto _ : state) {
        r.value().read_since(topic(t++ % kTopics), 100, 1000, 0, rec);
        events += rec.events.size();
        if (!rec.complete || rec.events.size() != 300) state.SkipWithError("incomplete");
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["events_per_s"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HistoryRecover300);

}  // namespace

BENCHMARK_MAIN();
