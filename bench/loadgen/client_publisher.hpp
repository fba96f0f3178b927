// SPDX-License-Identifier: MIT
// Publishing with client events: each event is sent by one subscriber of its channel, taking
// turns so no connection exceeds the server's per-connection client-event rate. The sender gets
// no copy of its own event (Pusher), so each event owes subscribers - 1 deliveries.
#pragma once

#include <cstdint>
#include <string>

#include "bench/loadgen/run_state.hpp"
#include "bench/loadgen/subscriber.hpp"

namespace shoal::loadgen {

class ClientPublisher {
  public:
    ClientPublisher(RunState& run, Subscriber* subscribers, std::uint32_t count);
    // Sends up to `events` events now; returns how many went out.
    std::uint64_t publish(std::uint64_t events);

  private:
    RunState& run_;
    Subscriber* subscribers_;
    std::uint32_t count_;
    std::string data_;
    std::uint64_t seq_ = 0;
    std::uint64_t turn_ = 0;
};

}  // namespace shoal::loadgen
