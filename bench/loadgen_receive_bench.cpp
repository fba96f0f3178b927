// SPDX-License-Identifier: MIT
// bench-links: shoal_loadgen_lib
// The load generator's per-delivery user-space cost, without the kernel: scan a read's worth of
// server frames, find each stamp, record its latency. Compare with the CPU/delivery that a
// shoal_loadgen run reports to see how much of its time goes to syscalls.
#include <string>

#include <benchmark/benchmark.h>

#include "bench/loadgen/bench_stamp.hpp"
#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/ws_client_codec.hpp"

namespace {

using namespace shoal::loadgen;

std::string server_frames(std::size_t payload_bytes, int count) {
    std::string out;
    for (int i = 0; i < count; ++i) {
        const std::string text = R"({"event":"bench","channel":"bench-7","data":")" +
                                 make_stamped_data(payload_bytes, Stamp{std::uint64_t(i), 1000}) +
                                 "\"}";
        out.push_back(static_cast<char>(0x81));
        if (text.size() < 126) {
            out.push_back(static_cast<char>(text.size()));
        } else {
            out.push_back(126);
            out.push_back(static_cast<char>(text.size() >> 8));
            out.push_back(static_cast<char>(text.size() & 0xFF));
        }
        out += text;
    }
    return out;
}

void BM_ReceiveStampedFrames(benchmark::State& state) {
    const std::string bytes = server_frames(static_cast<std::size_t>(state.range(0)), 64);
    LogHistogram latency;
    std::uint64_t frames = 0;
    for (auto _ : state) {
        std::string_view rest(bytes);
        ServerFrame f;
        std::size_t used = 0;
        while (scan_server_frame(rest, 1 << 20, f, used) == ScanStatus::Frame) {
            rest.remove_prefix(used);
            Stamp s;
            if (find_stamp(f.payload, s)) latency.record(5000 - s.send_ns);
            ++frames;
        }
    }
    benchmark::DoNotOptimize(latency.count());
    state.SetItemsProcessed(static_cast<std::int64_t>(frames));
}
BENCHMARK(BM_ReceiveStampedFrames)->ArgName("payload")->Arg(64)->Arg(1024);

}  // namespace

BENCHMARK_MAIN();
