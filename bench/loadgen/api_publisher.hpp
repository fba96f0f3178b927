// SPDX-License-Identifier: MIT
// Publishing through the signed HTTP API: several keep-alive connections, one batch_events
// request (up to 10 events) in flight on each. Each event goes to the next channel in turn and
// carries a fresh stamp taken just before its request is written.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/loadgen/event_loop.hpp"
#include "bench/loadgen/run_state.hpp"

namespace shoal::loadgen {

class ApiConnection;

class ApiPublisher {
  public:
    ApiPublisher(RunState& run, const sockaddr_in& source, const sockaddr_in& dest);
    ~ApiPublisher();

    void start();
    int connected() const noexcept;
    bool in_flight() const noexcept;
    // Sends up to `events` events on idle connections now; returns how many went out.
    std::uint64_t publish(std::uint64_t events);

  private:
    RunState& run_;
    sockaddr_in source_;
    sockaddr_in dest_;
    std::vector<std::unique_ptr<ApiConnection>> conns_;
    std::string path_;
    std::string body_;
    std::string data_;
    std::string request_;
    std::uint64_t seq_ = 0;
    std::uint64_t next_channel_ = 0;
};

// The full request text of a signed POST (exposed for tests).
void build_signed_post(std::string& out, const LoadOptions& options, const std::string& path,
                       const std::string& body, std::uint64_t unix_seconds);

}  // namespace shoal::loadgen
