// SPDX-License-Identifier: MIT
// The stamp each published event carries in its data: a sequence number and the send time
// (CLOCK_MONOTONIC ns, same host). Only [0-9a-f:] and 'x' padding, so the bytes survive every
// JSON re-encoding unchanged and a receiver finds them with one memmem, without parsing JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::loadgen {

// "sb1:" + 16 hex seq + ":" + 16 hex send_ns + ":"
inline constexpr std::string_view kStampMarker = "sb1:";
inline constexpr std::size_t kStampBytes = 4 + 16 + 1 + 16 + 1;

struct Stamp {
    std::uint64_t seq = 0;
    std::uint64_t send_ns = 0;
};

// What follows the stamp: 'x' (compresses to nothing) or JSON text as an application would
// send it inside the event's data string (quotes escaped, varied numbers: it compresses about as
// much as real market or chat data does).
enum class PayloadFill { X, Json };

// Event data of exactly max(payload_bytes, kStampBytes) bytes: a stamp then the fill.
std::string make_stamped_data(std::size_t payload_bytes, Stamp stamp,
                              PayloadFill fill = PayloadFill::X);
// Overwrites the stamp at the start of `data` (which make_stamped_data made) in place.
void restamp(char* data, Stamp stamp) noexcept;
// Finds the first stamp in a received frame. False when there is none or it is malformed.
bool find_stamp(std::string_view bytes, Stamp& stamp) noexcept;

}  // namespace shoal::loadgen
