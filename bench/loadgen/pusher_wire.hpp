// SPDX-License-Identifier: MIT
// The few Pusher protocol 7 messages the load generator sends and recognises. Recognising works
// on the compact JSON Pusher servers send (optional spaces tolerated) without a full parse.
#pragma once

#include <string>
#include <string_view>

namespace shoal::loadgen {

enum class PusherEvent {
    ConnectionEstablished,  // pusher:connection_established
    SubscriptionSucceeded,  // pusher_internal:subscription_succeeded
    Ping,                   // pusher:ping
    Error,                  // pusher:error
    Other,                  // anything else (our bench events, member events, ...)
};

// The value of the top-level "event" field, or empty.
std::string_view event_name(std::string_view message) noexcept;
PusherEvent classify(std::string_view message) noexcept;
// The socket_id inside connection_established's (string-encoded) data, or empty.
std::string_view socket_id_of(std::string_view message) noexcept;

// True for the pusher:error a server sends when it drops a client event over its rate limit
// (code 4301 in Pusher protocol 7).
bool refuses_client_event(std::string_view message) noexcept;

std::string subscribe_message(std::string_view channel, std::string_view auth);
std::string pong_message();
std::string client_event_message(std::string_view channel, std::string_view event,
                                 std::string_view data);

// {"batch":[{"channel":..,"name":..,"data":".."},..]} built incrementally into `body`.
// `data` must need no JSON escaping (bench stamps never do).
void begin_batch(std::string& body);
void append_batch_event(std::string& body, std::string_view channel, std::string_view name,
                        std::string_view data);
void end_batch(std::string& body);

}  // namespace shoal::loadgen
