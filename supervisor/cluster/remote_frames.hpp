// SPDX-License-Identifier: MIT
// The trust boundary for frames from other hosts: a broadcast relayed through Redis carries frames
// that this host's workers write to sockets as they are, so each is checked here, once per host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace shoal::cluster {

// True when wire is one complete, unmasked, final server data frame whose payload, for a text
// frame, is valid UTF-8 (RFC 6455 clients fail the connection with 1007 otherwise). Empty is true
// (no frame for that protocol).
bool valid_remote_frame(std::string_view wire) noexcept;

// The protocol tag whose frames are HTTP chunks, not WebSocket frames: Server-Sent Events
// (worker/protocols/sse, tag 2; the tags are fixed because they cross hosts).
inline constexpr std::uint8_t kHttpChunkProtocol = 2;
// True when wire is one HTTP chunk (hex size, CRLF, that many bytes, CRLF) of valid UTF-8 with
// a non-zero size (a zero chunk would end the stream it is written to). Empty is true.
bool valid_remote_chunk(std::string_view wire) noexcept;

// True when payload decodes as a records::Broadcast and every frame in it is valid for its tag
// (valid_remote_chunk for kHttpChunkProtocol, valid_remote_frame otherwise).
bool valid_remote_broadcast(std::span<const std::byte> payload) noexcept;

// True when record decodes as a records::HistoryPublish whose texts (topic, name, data, user id)
// are valid UTF-8: workers render those into frames themselves, JSON-escaped.
bool valid_remote_history(std::span<const std::byte> record) noexcept;

}  // namespace shoal::cluster
