// SPDX-License-Identifier: MIT
// bench-links: shoal_codec
// The frame codec: parsing masked client frames (in-place unmask + UTF-8 check for text) and
// encoding server frames, 16 B to 64 KiB. The UTF-8 validator alone is the baseline for text.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/utf8_validator.hpp"
#include "worker/codec/ws_frame_encoder.hpp"
#include "worker/codec/ws_frame_parser.hpp"

using namespace shoal::codec;

namespace {

struct NullSink final : WsFrameSink {
    std::size_t bytes = 0;
    bool on_ws_message(WsOpcode, char*, std::size_t len) override { return bytes += len, true; }
    bool on_ws_ping(std::string_view) override { return true; }
    bool on_ws_pong(std::string_view) override { return true; }
    bool on_ws_close(std::uint16_t, std::string_view) override { return true; }
};

// 64 KiB of frames per iteration so small frames are measured per frame, not per call.
void parse(benchmark::State& state, WsOpcode op) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const std::string one = encode_client_frame(op, std::string(size, 'j'), 0x9abcdef0);
    std::string wire;
    std::size_t frames = 0;
    do {
        wire += one;
        ++frames;
    } while (wire.size() < 64 * 1024);
    std::string buf = wire;
    WsFrameParser parser({1u << 20, true});
    NullSink sink;
    for (auto _ : state) {
        buf.assign(wire);  // parsing unmasks in place: restore the masked bytes
        parser.parse(buf.data(), buf.size(), sink);
        benchmark::DoNotOptimize(sink.bytes);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frames));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

void BM_ParseText(benchmark::State& s) {
    parse(s, WsOpcode::Text);
}
void BM_ParseBinary(benchmark::State& s) {
    parse(s, WsOpcode::Binary);
}

// The cost of the copy that restores the masked input above, to subtract from the parse figures.
void BM_RestoreCopyBaseline(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::string wire(((64 * 1024 + size - 1) / size) * (size + 6), 'x');
    std::string buf = wire;
    for (auto _ : state) {
        buf.assign(wire);
        benchmark::DoNotOptimize(buf.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

void BM_Encode(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const std::string payload(size, 'e');
    std::vector<char> out(size + 10);
    for (auto _ : state) {
        benchmark::DoNotOptimize(encode_ws_frame(out.data(), WsOpcode::Text, payload));
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void BM_Utf8(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::string text;
    while (text.size() < size)
        text += "{\"ev\":\"m\",\"d\":\"h\xC3\xA9llo\"}";
    text.resize(size);
    for (auto _ : state)
        benchmark::DoNotOptimize(shoal::common::is_valid_utf8(text));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

}  // namespace

BENCHMARK(BM_ParseText)->RangeMultiplier(8)->Range(16, 64 << 10);
BENCHMARK(BM_ParseBinary)->RangeMultiplier(8)->Range(16, 64 << 10);
BENCHMARK(BM_RestoreCopyBaseline)->RangeMultiplier(8)->Range(16, 64 << 10);
BENCHMARK(BM_Encode)->RangeMultiplier(8)->Range(16, 64 << 10);
BENCHMARK(BM_Utf8)->RangeMultiplier(8)->Range(16, 64 << 10);
BENCHMARK_MAIN();
