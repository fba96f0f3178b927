// SPDX-License-Identifier: MIT
// bench-links: shoal_codec OpenSSL::Crypto
// The server's side of one WebSocket handshake: the accept key with our SHA-1 against
// libcrypto's one-shot SHA1() (what it used before), and the whole request: parse, check, 101.
#include <cstring>
#include <string>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "worker/codec/http_request_parser.hpp"
#include "worker/codec/ws_handshake.hpp"

namespace {

using namespace shoal::codec;

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";

std::string libcrypto_accept_key(std::string_view key) {
    static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char input[64];
    key.copy(input, 24);
    kGuid.copy(input + 24, kGuid.size());
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input), 24 + kGuid.size(), digest);
    unsigned char out[32];
    const int len = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
}

void BM_AcceptKeyLibcrypto(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(libcrypto_accept_key(kKey));
}
BENCHMARK(BM_AcceptKeyLibcrypto);

void BM_AcceptKey(benchmark::State& state) {
    if (ws_accept_key(kKey) != libcrypto_accept_key(kKey)) state.SkipWithError("keys differ");
    for (auto _ : state)
        benchmark::DoNotOptimize(ws_accept_key(kKey));
}
BENCHMARK(BM_AcceptKey);

// What a pusher-js client sends, parsed, checked and answered.
void BM_UpgradeRequest(benchmark::State& state) {
    const std::string request =
        "GET /app/app-key?protocol=7&client=js&version=8.4.0&flash=false HTTP/1.1\r\n"
        "Host: 127.0.0.1:6001\r\nConnection: Upgrade\r\nPragma: no-cache\r\n"
        "Cache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
        "Upgrade: websocket\r\nOrigin: http://localhost:8080\r\nSec-WebSocket-Version: 13\r\n"
        "Accept-Encoding: gzip, deflate, br\r\nAccept-Language: en-US,en;q=0.9\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
    HttpRequestParser parser;
    for (auto _ : state) {
        parser.reset();
        std::size_t used = 0;
        if (parser.feed(request, used) != HttpParseState::Complete) state.SkipWithError("parse");
        const UpgradeCheck c = check_ws_upgrade(parser.request());
        benchmark::DoNotOptimize(ws_upgrade_response(c.key));
    }
}
BENCHMARK(BM_UpgradeRequest);

}  // namespace
BENCHMARK_MAIN();
