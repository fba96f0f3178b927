// SPDX-License-Identifier: MIT
// What every connection of one run shares: the loop, the channel table, counters, the latency
// histogram and the one read buffer all sockets read into (no per-client read buffer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/loadgen/event_loop.hpp"
#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/loadgen_options.hpp"

struct ssl_ctx_st;
struct z_stream_s;

namespace shoal::loadgen {

struct ClientCounters {
    std::uint64_t established = 0;    // WebSocket up and pusher:connection_established seen
    std::uint64_t subscribed = 0;     // subscription_succeeded seen
    std::uint64_t failed = 0;         // gave up before being subscribed
    std::uint64_t dropped = 0;        // closed after being subscribed (by the server or error)
    std::uint64_t pusher_errors = 0;  // pusher:error messages
    std::uint64_t delivered = 0;      // stamped events received
    std::uint64_t unstamped = 0;      // other data frames after subscribing
    std::uint64_t pings = 0;          // pings answered (WebSocket or pusher:ping)
    std::uint64_t bytes_in = 0;       // read from the subscribers' sockets (ciphertext with TLS)
    std::uint64_t inflated = 0;       // compressed messages inflated
};

// The client TLS context (--tls) and the one inflater (--deflate: the server compresses each
// message on its own, so one stream reset per message serves every subscriber).
struct RunCrypto {
    RunCrypto(bool tls, bool deflate);
    ~RunCrypto();
    RunCrypto(const RunCrypto&) = delete;
    RunCrypto& operator=(const RunCrypto&) = delete;
    // The message inflated (out views this object's buffer until the next call); false if it
    // is not valid deflate data.
    bool inflate(std::string_view in, std::string_view& out);

    ssl_ctx_st* tls_ctx = nullptr;
    z_stream_s* z = nullptr;
    std::unique_ptr<char[]> inflated;
};

struct PublishCounters {
    std::uint64_t events = 0;           // events the server accepted (or, client mode, sent)
    std::uint64_t events_rejected = 0;  // events in requests answered with a non-2xx status
    std::uint64_t requests = 0;         // API requests answered 2xx
    std::uint64_t requests_failed = 0;  // API requests answered otherwise, or cut off
    std::uint64_t expected = 0;         // deliveries owed: subscribers of each event's channel
    std::uint64_t reconnects = 0;       // API connections re-opened
};

struct RunState {
    explicit RunState(const LoadOptions& o);

    const LoadOptions& options;
    EpollLoop loop;
    std::vector<std::string> channels;
    std::vector<std::uint32_t> subscribers_of;  // live subscribed connections per channel
    ClientCounters counters;
    PublishCounters publish;
    LogHistogram latency;
    bool record_latency = false;
    std::uint64_t latency_from_ns = 0;  // events sent before this (the warm-up) are not recorded
    int handshakes_in_flight = 0;
    std::uint64_t last_established_ns = 0;
    std::uint64_t last_subscribed_ns = 0;
    std::uint64_t last_delivery_ns = 0;
    std::vector<char> read_buffer;  // kReadChunk bytes plus room for one connection's carry
    std::string scratch;            // outgoing frame under construction
    RunCrypto crypto;
    std::uint64_t compressed_events = 0;  // --deflate: compressed frames after subscribing
    static constexpr std::uint64_t kInflateEvery = 8;
    std::uint64_t rng = 0x243F6A8885A308D3ull;

    static constexpr std::size_t kReadChunk = 256 * 1024;
    static constexpr std::size_t kMaxFrame = 1 << 20;

    std::uint32_t next_random() noexcept {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return static_cast<std::uint32_t>(rng);
    }
};

}  // namespace shoal::loadgen
