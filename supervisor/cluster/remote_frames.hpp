// SPDX-License-Identifier: MIT
// The trust boundary for frames from other hosts: a broadcast relayed through Redis carries frames
// that this host's workers write to sockets as they are, so each is checked here, once per host.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace shoal::cluster {

// True when wire is one complete, unmasked, final server data frame whose payload, for a text
// frame, is valid UTF-8 (RFC 6455 clients fail the connection with 1007 otherwise). Empty is true
// (no frame for that protocol).
bool valid_remote_frame(std::string_view wire) noexcept;

// True when payload decodes as a records::Broadcast and every frame in it is valid_remote_frame.
bool valid_remote_broadcast(std::span<const std::byte> payload) noexcept;

}  // namespace shoal::cluster
