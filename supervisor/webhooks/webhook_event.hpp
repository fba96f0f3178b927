// SPDX-License-Identifier: MIT
// A Pusher webhook event as the supervisor produces it, and its JSON object exactly as Pusher
// documents it ({"name":"member_added","channel":...,"user_id":...}). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::webhooks {

enum class EventKind : std::uint8_t {
    ChannelOccupied,
    ChannelVacated,
    MemberAdded,
    MemberRemoved,
    ClientEvent,
    CacheMiss,
};

// The name Pusher gives it ("channel_occupied", ...), also the apps file's event_types value.
std::string_view kind_name(EventKind k) noexcept;

struct Event {
    EventKind kind = EventKind::ChannelOccupied;
    std::string channel;    // the channel's name, without its app scope
    std::string user_id;    // member_added/removed; client_event on a presence channel
    std::string event;      // client_event: the event's name
    std::string data;       // client_event: the data as the client sent it (a JSON string's text)
    std::string socket_id;  // client_event: the sender
};

// Appends the event's JSON object to out.
void append_event_json(std::string& out, const Event& e);

// {"time_ms":time_ms,"events":[events_json]} where events_json is objects joined by commas.
std::string make_body(std::uint64_t time_ms, std::string_view events_json);

}  // namespace shoal::webhooks
