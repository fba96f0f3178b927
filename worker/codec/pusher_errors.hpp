// SPDX-License-Identifier: MIT
// The one table of Pusher protocol 7 error codes shoal answers with (pusher:error and close codes).
// Ranges as Pusher defines them: 4000-4099 close, do not reconnect; 4100-4199 reconnect after a
// back-off; 4200-4299 reconnect now; 4300-4399 other errors (the connection stays open).
#pragma once

#include <cstdint>

namespace shoal::codec::pusher_error {

inline constexpr std::uint16_t kAppNotFound = 4001;
inline constexpr std::uint16_t kAppDisabled = 4003;
inline constexpr std::uint16_t kOverQuota = 4004;  // the app's connection quota
inline constexpr std::uint16_t kInvalidVersion = 4006;
inline constexpr std::uint16_t kUnsupportedProtocol = 4007;
inline constexpr std::uint16_t kNoProtocol = 4008;
inline constexpr std::uint16_t kUnauthorized = 4009;  // failed signin
inline constexpr std::uint16_t kOverCapacity = 4100;  // over a per-worker or per-channel limit
inline constexpr std::uint16_t kReconnect = 4200;     // terminate_connections, shutdown
inline constexpr std::uint16_t kPongNotReceived = 4201;
inline constexpr std::uint16_t kGeneric = 4300;  // malformed or unknown message
inline constexpr std::uint16_t kClientEventRateLimit = 4301;
inline constexpr std::uint16_t kClientEventTooLarge = 4302;  // shoal's, in the "other" range
inline constexpr std::uint16_t kClientEventRejected = 4303;  // not subscribed / wrong channel type

}  // namespace shoal::codec::pusher_error
