// SPDX-License-Identifier: MIT
// ClientPublisher: round-robin over channels, and within a channel over its subscribers.
#include "bench/loadgen/client_publisher.hpp"

#include "bench/loadgen/bench_stamp.hpp"
#include "common/clock.hpp"

namespace shoal::loadgen {

ClientPublisher::ClientPublisher(RunState& run, Subscriber* subscribers, std::uint32_t count)
    : run_(run),
      subscribers_(subscribers),
      count_(count),
      data_(make_stamped_data(run.options.payload_bytes, {}, run.options.payload_fill)) {}

std::uint64_t ClientPublisher::publish(std::uint64_t events) {
    const auto channels = static_cast<std::uint64_t>(run_.channels.size());
    const std::uint64_t per_channel = count_ / channels;  // validate() makes this >= 2
    std::uint64_t sent = 0;
    // Bounded: one pass over as many turns as events asked, skipping dead senders.
    for (std::uint64_t tries = 0; sent < events && tries < 2 * events; ++tries) {
        const std::uint64_t ch = turn_ % channels;
        const std::uint64_t round = turn_ / channels;
        ++turn_;
        Subscriber& sender = subscribers_[ch + channels * (round % per_channel)];
        if (sender.phase() != Subscriber::Phase::Subscribed) continue;
        restamp(data_.data(), Stamp{seq_++, common::monotonic_ns()});
        const std::uint64_t owed = run_.subscribers_of[ch] - 1;
        if (!sender.send_client_event("client-bench", data_)) continue;
        run_.publish.events += 1;
        run_.publish.expected += owed;
        ++sent;
    }
    return sent;
}

}  // namespace shoal::loadgen
