// SPDX-License-Identifier: MIT
// The RFC 6455 opening handshake, server side: is this request an upgrade, is it a valid one
// (version 13 only, else 426), and the 101 answer with Sec-WebSocket-Accept (SHA-1 + base64).
#pragma once

#include <string>
#include <string_view>

#include "worker/codec/http_request_parser.hpp"
#include "worker/codec/protocol_errors.hpp"

namespace shoal::codec {

struct UpgradeCheck {
    bool is_upgrade = false;  // the request asks for a WebSocket
    ProtocolError error = ProtocolError::None;
    std::string_view key;  // Sec-WebSocket-Key when valid
};

UpgradeCheck check_ws_upgrade(const ParsedRequest& request) noexcept;

// base64(SHA-1(key + GUID)), 28 characters.
std::string ws_accept_key(std::string_view key);

// The complete 101 Switching Protocols response; extra_headers are complete "Name: value\r\n"
// lines (the agreed extension).
std::string ws_upgrade_response(std::string_view key, std::string_view extra_headers = {});

}  // namespace shoal::codec
