// SPDX-License-Identifier: MIT
// bench-links: shoal_codec
// The Phoenix v2 serializer on the paths every message takes: parsing a client push, encoding a
// reply and a broadcast, rendering a presence diff, and verifying a connect token.
#include <string>

#include <benchmark/benchmark.h>

#include "worker/codec/phoenix_message.hpp"
#include "worker/codec/phoenix_presence.hpp"
#include "worker/codec/phoenix_token.hpp"

using namespace shoal;

namespace {

const std::string kPush =
    R"(["3","17","room:lobby","shout",{"body":"hello, everyone in the lobby","n":42,"tags":["a","b"]}])";

void BM_ParsePush(benchmark::State& state) {
    codec::PhoenixCodec c;
    codec::PhoenixMessage m;
    for (auto _ : state) {
        auto s = c.parse(kPush, m);
        benchmark::DoNotOptimize(s);
        benchmark::DoNotOptimize(m.payload.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPush.size()));
}
BENCHMARK(BM_ParsePush);

void BM_EncodeReply(benchmark::State& state) {
    codec::PhoenixCodec c;
    for (auto _ : state) {
        auto v =
            c.encode_reply(std::string_view("3"), std::string_view("17"), "room:lobby", "ok", "{}");
        benchmark::DoNotOptimize(v.data());
    }
}
BENCHMARK(BM_EncodeReply);

void BM_EncodeBroadcast(benchmark::State& state) {
    codec::PhoenixCodec c;
    const std::string payload = R"({"body":"hello, everyone in the lobby","n":42})";
    for (auto _ : state) {
        auto v = c.encode_message(std::nullopt, std::nullopt, "room:lobby", "shout", payload);
        benchmark::DoNotOptimize(v.data());
    }
}
BENCHMARK(BM_EncodeBroadcast);

void BM_PresenceDiff(benchmark::State& state) {
    std::string out;
    out.reserve(512);
    std::string ref;
    ref.reserve(64);
    for (auto _ : state) {
        out.assign("{\"joins\":{");
        codec::open_presence_entry(out, "user-1234");
        ref.clear();
        codec::append_phx_ref(ref, 3, 7, 123456);
        codec::append_presence_meta(out, ref, R"({"name":"Ann","avatar":"a.png"})");
        codec::close_presence_entry(out);
        out += "},\"leaves\":{}}";
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_PresenceDiff);

void BM_IsJsonValue(benchmark::State& state) {
    const std::string data = R"({"msg":"hello","n":1,"list":[1,2,3]})";
    for (auto _ : state)
        benchmark::DoNotOptimize(codec::is_json_value(data));
}
BENCHMARK(BM_IsJsonValue);

void BM_VerifyToken(benchmark::State& state) {
    const std::string token = codec::make_phoenix_token(
        R"({"user_id":"u1","user_info":{"name":"Ann"},"exp":4000000000})", "app-secret");
    codec::PhoenixIdentity id;
    for (auto _ : state) {
        auto s = codec::verify_phoenix_token(token, "app-secret", 1'700'000'000, id);
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(BM_VerifyToken);

}  // namespace

BENCHMARK_MAIN();
