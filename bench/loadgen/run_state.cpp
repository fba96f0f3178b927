// SPDX-License-Identifier: MIT
// RunState: the channel table and the shared read buffer are sized once, up front.
#include "bench/loadgen/run_state.hpp"

namespace shoal::loadgen {

RunState::RunState(const LoadOptions& o)
    : options(o),
      subscribers_of(static_cast<std::size_t>(o.channels), 0),
      read_buffer(kReadChunk + kMaxFrame + 16) {
    const std::string prefix = (o.mode == PublishMode::Client ? "private-" : "") + o.channel_prefix;
    channels.reserve(static_cast<std::size_t>(o.channels));
    for (int i = 0; i < o.channels; ++i)
        channels.push_back(prefix + std::to_string(i));
}

}  // namespace shoal::loadgen
