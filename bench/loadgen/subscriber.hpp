// SPDX-License-Identifier: MIT
// One subscribing WebSocket client: connect, (TLS handshake,) upgrade, connection_established,
// subscribe, then count stamped events (inflated first when compressed) and record their
// latency. Idle state is a few dozen bytes plus, with TLS, OpenSSL's session: a partial frame is
// kept only while one is actually cut by a read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bench/loadgen/event_loop.hpp"
#include "bench/loadgen/run_state.hpp"
#include "bench/loadgen/ws_client_codec.hpp"

struct ssl_st;

namespace shoal::loadgen {

class Subscriber final : public Pollable {
  public:
    enum class Phase : std::uint8_t {
        Idle,
        Connecting,
        TlsHandshake,
        AwaitUpgrade,
        AwaitEstablished,
        AwaitSubscribed,
        Subscribed,
        Closed
    };

    Subscriber() = default;
    Subscriber(const Subscriber&) = delete;
    Subscriber& operator=(const Subscriber&) = delete;
    ~Subscriber() { close_socket(); }

    // Starts the TCP connect; false (and counted as failed) when the socket cannot be made.
    bool start(RunState& run, std::uint32_t index, const sockaddr_in& source,
               const sockaddr_in& dest);
    void on_io(std::uint32_t events) override;
    // Sends a client event on this connection's channel (client-event publishing).
    bool send_client_event(std::string_view event, std::string_view data);
    // Gives up a connection still setting up (the connect phase timed out); counted as failed.
    void abandon_setup();
    void close_socket() noexcept;

    Phase phase() const noexcept { return phase_; }
    std::uint32_t channel() const noexcept { return channel_; }

  private:
    void send_upgrade();
    void continue_tls();
    // The socket's bytes, or the TLS session's: >0 bytes, 0 would block, <0 closed or failed.
    ssize_t read_some(char* out, std::size_t n);
    ssize_t write_some(const char* data, std::size_t n);
    void on_readable();
    // Consumes what it can of `bytes`; returns false when the connection was closed.
    bool consume(std::string_view bytes, std::uint64_t now_ns);
    bool on_text(std::string_view message, std::uint64_t now_ns);
    bool send_frame(WsOpcode opcode, std::string_view payload);
    bool send_raw(std::string_view bytes);
    void flush_pending();
    void fail();

    RunState* run_ = nullptr;
    ssl_st* ssl_ = nullptr;  // --tls
    int fd_ = -1;
    std::uint32_t index_ = 0;
    std::uint32_t channel_ = 0;
    Phase phase_ = Phase::Idle;
    bool want_write_ = false;
    std::string carry_;    // a frame cut by a read; empty (no heap) otherwise
    std::string pending_;  // bytes the socket did not take yet; empty otherwise
};

}  // namespace shoal::loadgen
