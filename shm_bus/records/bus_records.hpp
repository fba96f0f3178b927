// SPDX-License-Identifier: MIT
// The records workers exchange over their rings (the bus itself moves opaque bytes plus a type).
// Each record is a fixed little header of lengths followed by the variable parts, written straight
// into a ring claim (no intermediate copy) and decoded as views into the reader's private copy.
// Decoding trusts nothing: every length is checked against the payload it came in.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace shoal::bus::records {

// The version of every record format below. It is stamped into the segment header by the
// supervisor and checked by every attacher (BusConfig::record_schema), so two binaries that
// encode records differently can never share a bus. Bump it with any format change.
//   1: Broadcast with named Pusher and Phoenix frames.
//   2: Broadcast and CachedEvent carry (protocol tag, frame) pairs.
//   3: Directed (one protocol's message to one slot).
//   4: HistoryPublish and Sequenced (channel history: publishes the supervisor sequences).
//   5: Sequenced carries its stream's epoch (per channel in a cluster).
inline constexpr std::uint32_t kSchemaVersion = 5;

enum Type : std::int32_t {
    kBroadcast = 0x4201,        // an event for one topic, already encoded once per protocol
    kPresenceJoin = 0x4202,     // a connection of the writer joined a presence topic as a user
    kPresenceLeave = 0x4203,    // ... and left it
    kSnapshotRequest = 0x4204,  // "send me your presence state" (a new or lapped reader)
    kSnapshotDone = 0x4205,     // the writer's answer to one request is complete
    kTerminateUser = 0x4206,    // close every connection signed in as this user
    kTopicCount = 0x4207,       // the writer's subscriber count of a topic changed
    kRemote = 0x4208,           // on the control ring only: another host's record (cluster)
    kCachedEvent = 0x4209,      // in a snapshot answer: a cache topic's last event and its age
    kDirected = 0x420A,         // one protocol's message to one slot (a forwarded request)
    kHookFact = 0x420B,         // for the supervisor's webhooks only: a client event, a cache miss
    kHistoryPublish = 0x420C,   // a publish on a history channel, for the supervisor to sequence
    kSequenced = 0x420D,        // on the control ring only: that publish with its offset
};

// Protocol tags are small numbers the worker's protocol registry assigns; the records only carry
// them (the bus knows no protocol by name).
inline constexpr std::size_t kMaxFrames = 8;

struct TaggedFrame {
    std::uint8_t protocol = 0;  // < kMaxFrames
    std::string_view wire;      // the frame exactly as that protocol's subscribers receive it
};

// A broadcast carries one already-encoded frame per protocol that can carry the event (none for
// a protocol with no possible subscriber of the topic), so receivers encode nothing.
struct Broadcast {
    std::string_view topic;
    std::string_view exclude_socket_id;  // a connection-exclusion token; empty: none
    std::array<TaggedFrame, kMaxFrames> frames{};
    std::uint8_t frame_count = 0;

    // False (and nothing added) when the record already holds kMaxFrames frames.
    bool add(std::uint8_t protocol, std::string_view wire) noexcept {
        if (frame_count == kMaxFrames) return false;
        frames[frame_count++] = {protocol, wire};
        return true;
    }
    std::span<const TaggedFrame> tagged() const noexcept { return {frames.data(), frame_count}; }
};

// The writer's epoch travels with each diff: a reader may see the control ring's worker_down
// for that epoch before it has drained the dead writer's ring, and must then ignore the rest.
struct PresenceJoin {
    std::uint64_t conn = 0;  // the writer's connection id; the slot is the ring's
    std::string_view topic;
    std::string_view user_id;
    std::string_view user_info;  // JSON text
    std::uint64_t epoch = 0;
};

struct PresenceLeave {
    std::uint64_t conn = 0;
    std::string_view topic;
    std::string_view user_id;
    std::uint64_t epoch = 0;
};

struct SnapshotRequest {
    std::uint32_t requester_slot = 0;
    std::uint32_t target_slot = 0;  // kAllSlots: every writer answers
};
inline constexpr std::uint32_t kAllSlots = 0xFFFFFFFFu;

struct SnapshotDone {
    std::uint32_t requester_slot = 0;
};

struct TerminateUser {
    std::string_view user_id;
};

struct TopicCount {
    std::uint32_t subscribers = 0;
    std::string_view topic;
};

// A cache channel's last event as the answering worker holds it; age_ms lets the reader keep
// the TTL (and prefer a newer broadcast it already has).
struct CachedEvent {
    std::uint64_t age_ms = 0;
    std::uint8_t protocol = 0;  // the tag of the protocol whose cache kept the frame
    std::string_view topic;
    std::string_view frame;
};

// A message from one protocol module on the writer to the same module on one other slot (a
// long-poll request forwarded to the worker that owns its session, and the answer back). Every
// reader but target_slot skips it; the bytes are the protocol's own.
struct Directed {
    std::uint32_t target_slot = 0;
    std::uint8_t protocol = 0;
    std::string_view bytes;
};

// Something that happened on the writer which only the supervisor's webhooks want and the host
// view cannot see in other records: a client event's sender, a subscription to an empty cache
// channel. Written only when one of the app's webhooks takes it (common::App::wants_webhook), so
// an app without webhooks costs nothing. Workers skip it; it never crosses hosts (the host where
// it happened sends the webhook). A new type, not a format change: the schema stays.
struct HookFact {
    std::uint8_t kind = 0;  // kFactClientEvent or kFactCacheMiss
    std::string_view topic;
    std::string_view event;      // client event: its name
    std::string_view data;       // client event: its data
    std::string_view socket_id;  // client event: the sender's
    std::string_view user_id;    // client event on a presence channel: the sender's user
};
inline constexpr std::uint8_t kFactClientEvent = 1;
inline constexpr std::uint8_t kFactCacheMiss = 2;

// A publish on a channel whose app keeps history (docs/history.md). The publishing worker does
// not deliver it: the supervisor appends it to the history region, which gives it the channel's
// next offset, and writes it back as a Sequenced record on the control ring, which every worker
// (the publisher's included) delivers. One sequencer per host gives one order per channel.
struct HistoryPublish {
    std::uint64_t publisher = 0;  // the publishing connection (skipped on the writer's slot), or 0
    std::uint8_t origin = 0xFF;   // a client event's protocol tag; 0xFF: a server-side event
    std::uint8_t from_client = 0;
    std::string_view topic;
    std::string_view name;
    std::string_view data;
    std::string_view user_id;    // a client event's signed-in publisher
    std::string_view exclusion;  // a connection-exclusion token (a Pusher socket_id); empty: none
};

// A HistoryPublish of slot `slot` with its place in the channel's history: `offset` (0: the
// store refused it, delivered without a position) in the stream `epoch`, at `time_ms` (wall
// clock). An event numbered for another host's publisher has slot kClusterSlot.
struct Sequenced {
    std::uint32_t slot = 0;
    std::uint64_t offset = 0;
    std::uint64_t epoch = 0;
    std::uint64_t time_ms = 0;
    HistoryPublish event;
};

// Another host's record, written by the cluster bridge (supervisor/cluster/) on the control
// ring. `slot` is a pseudo-slot the bridge assigned to that host (kFirstRemoteSlot and up), or
// kClusterSlot for the bridge itself; workers treat `inner` as a record of that slot's ring.
struct Remote {
    std::uint32_t slot = 0;
    std::int32_t type = 0;
    std::span<const std::byte> inner;
};
inline constexpr std::uint32_t kClusterSlot = 99;       // the bridge (snapshot answers)
inline constexpr std::uint32_t kFirstRemoteSlot = 100;  // bus slots stay below 64
inline constexpr std::uint32_t kMaxRemoteHosts = 64;

// size(x) is the exact payload length; encode(x, out) fills out (out.size() == size(x)).
std::size_t size(const Broadcast& r) noexcept;
std::size_t size(const PresenceJoin& r) noexcept;
std::size_t size(const PresenceLeave& r) noexcept;
std::size_t size(const SnapshotRequest& r) noexcept;
std::size_t size(const SnapshotDone& r) noexcept;
std::size_t size(const TerminateUser& r) noexcept;
std::size_t size(const TopicCount& r) noexcept;
std::size_t size(const Remote& r) noexcept;
std::size_t size(const CachedEvent& r) noexcept;
std::size_t size(const Directed& r) noexcept;
std::size_t size(const HookFact& r) noexcept;
std::size_t size(const HistoryPublish& r) noexcept;
std::size_t size(const Sequenced& r) noexcept;

void encode(const Broadcast& r, std::span<std::byte> out) noexcept;
void encode(const PresenceJoin& r, std::span<std::byte> out) noexcept;
void encode(const PresenceLeave& r, std::span<std::byte> out) noexcept;
void encode(const SnapshotRequest& r, std::span<std::byte> out) noexcept;
void encode(const SnapshotDone& r, std::span<std::byte> out) noexcept;
void encode(const TerminateUser& r, std::span<std::byte> out) noexcept;
void encode(const TopicCount& r, std::span<std::byte> out) noexcept;
void encode(const Remote& r, std::span<std::byte> out) noexcept;
void encode(const CachedEvent& r, std::span<std::byte> out) noexcept;
void encode(const Directed& r, std::span<std::byte> out) noexcept;
void encode(const HookFact& r, std::span<std::byte> out) noexcept;
void encode(const HistoryPublish& r, std::span<std::byte> out) noexcept;
void encode(const Sequenced& r, std::span<std::byte> out) noexcept;

// Encodes r into buf (resized to fit) and returns the bytes: for writers off the hot path (the
// supervisor), which build a record before handing it on.
template <class Record>
std::span<const std::byte> encode_into(std::vector<std::byte>& buf, const Record& r) {
    buf.resize(size(r));
    encode(r, buf);
    return buf;
}

// False when the payload is not exactly one well-formed record of that kind.
bool decode(std::span<const std::byte> in, Broadcast& out) noexcept;
bool decode(std::span<const std::byte> in, PresenceJoin& out) noexcept;
bool decode(std::span<const std::byte> in, PresenceLeave& out) noexcept;
bool decode(std::span<const std::byte> in, SnapshotRequest& out) noexcept;
bool decode(std::span<const std::byte> in, SnapshotDone& out) noexcept;
bool decode(std::span<const std::byte> in, TerminateUser& out) noexcept;
bool decode(std::span<const std::byte> in, TopicCount& out) noexcept;
bool decode(std::span<const std::byte> in, Remote& out) noexcept;
bool decode(std::span<const std::byte> in, CachedEvent& out) noexcept;
bool decode(std::span<const std::byte> in, Directed& out) noexcept;
bool decode(std::span<const std::byte> in, HookFact& out) noexcept;
bool decode(std::span<const std::byte> in, HistoryPublish& out) noexcept;
bool decode(std::span<const std::byte> in, Sequenced& out) noexcept;

}  // namespace shoal::bus::records
