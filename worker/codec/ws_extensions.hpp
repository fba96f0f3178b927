// SPDX-License-Identifier: MIT
// permessage-deflate negotiation (RFC 7692 section 7), server side: reads the client's offers
// from Sec-WebSocket-Extensions and picks the first one the server's policy can honour. The
// answer always asks client_no_context_takeover, so every client message inflates on its own and
// one inflater per worker serves all connections (no zlib memory per connection for input).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "worker/codec/http_request_parser.hpp"

namespace shoal::codec {

struct DeflatePolicy {
    bool enabled = false;
    // Shared: every message is compressed without context, so one compressed frame serves every
    // subscriber; the answer carries server_no_context_takeover.
    bool shared = true;
    std::uint8_t window_bits = 15;  // the server's compressor window, 9..15
};

struct DeflateAgreement {
    bool accepted = false;
    // The server compresses each message on its own (shared mode, or the client asked for it).
    bool server_no_context_takeover = false;
    std::uint8_t server_window_bits = 15;
    std::string response;  // the Sec-WebSocket-Extensions value of the 101, when accepted
};

// One header value, possibly several comma-separated offers.
DeflateAgreement negotiate_deflate(std::string_view offers, const DeflatePolicy& policy);
// Every Sec-WebSocket-Extensions line of the request, in order; the first acceptable offer wins.
DeflateAgreement negotiate_deflate(const ParsedRequest& request, const DeflatePolicy& policy);

}  // namespace shoal::codec
