// SPDX-License-Identifier: MIT
// The messages hosts exchange on the one Redis pub/sub channel: a fixed header naming the sending
// host, then a body. Worker records travel as the bytes the worker wrote (records::encode), so a
// host relays a broadcast with one copy and receivers decode it with the same code as the bus.
// Decoding trusts nothing: a short or foreign message is refused, never half-read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace shoal::cluster {

enum class WireKind : std::uint8_t {
    Record = 1,           // a worker record of `slot` on the sender (type, payload)
    SlotDown = 2,         // the sender's slot died: body u64 epoch
    SnapshotRequest = 3,  // "send me your state": body u64 target host (0: every host)
    SnapshotDone = 4,     // the sender's answer is complete: body u64 requesting host
    Bye = 5,              // the sender stops (graceful): drop its members now
    StateBegin = 6,       // the sender's full state follows, up to its SnapshotDone: entries of
                          // the sender not repeated in between are gone (reconciliation)
    History = 7,          // a HistoryPublish of `slot`, numbered by Redis: the record, then the
                          // numbering script's trailer (kHistoryTrailerBytes)
};

struct WireMessage {
    WireKind kind = WireKind::Record;
    std::uint64_t host = 0;  // the sender
    std::uint32_t slot = 0;
    std::int32_t type = 0;
    std::span<const std::byte> body;
};

inline constexpr std::size_t kWireHeaderBytes = 24;
// What the numbering script appends to a History message: the channel's epoch as 16 lowercase
// hex digits, then its offset as 20 decimal digits (docs/history.md, "Cluster").
inline constexpr std::size_t kHistoryTrailerBytes = 36;

// Header plus body in one string (what PUBLISH sends).
std::string encode_wire(WireKind kind, std::uint64_t host, std::uint32_t slot, std::int32_t type,
                        std::span<const std::byte> body);
std::string encode_wire_u64(WireKind kind, std::uint64_t host, std::uint64_t value);
// False for anything that is not a well-formed message of a known kind.
bool decode_wire(std::string_view bytes, WireMessage& out) noexcept;
// The u64 body of SlotDown, SnapshotRequest and SnapshotDone.
bool wire_u64(const WireMessage& m, std::uint64_t& out) noexcept;
// A History message's record and numbering; false unless the trailer is well formed, the epoch
// is not 0 and the offset is 1 or more.
bool wire_numbered(const WireMessage& m, std::span<const std::byte>& record, std::uint64_t& epoch,
                   std::uint64_t& offset) noexcept;
// A host id or an epoch as the wire and Redis name it: 16 lowercase hex digits.
std::string hex64(std::uint64_t value);

}  // namespace shoal::cluster
