// SPDX-License-Identifier: MIT
// The one table of peer misbehaviour and limits: each ProtocolError has exactly one answer (a
// WebSocket close code or an HTTP status) and one log text. Every limit is enforced in one place
// and answered from here.
#pragma once

#include <cstdint>

namespace shoal::codec {

enum class ProtocolError : std::uint8_t {
    None,
    // RFC 6455 framing (close 1002 unless noted)
    WsUnmaskedFrame,
    WsReservedBits,
    WsBadOpcode,
    WsFragmentedControl,
    WsControlTooLong,
    WsUnexpectedContinuation,
    WsExpectedContinuation,
    WsBadLength,
    WsBadClosePayload,
    WsBadCloseCode,
    WsInvalidUtf8,    // 1007
    WsMessageTooBig,  // 1009
    // permessage-deflate (RFC 7692)
    WsBadCompressedData,  // 1007
    WsInflatedTooBig,     // 1009: a compressed message that inflates past the limit
    // transport-level closes of an open WebSocket
    WsSlowConsumer,  // reconnect code chosen by the handler (1013 by default)
    WsIdleTimeout,   // close code chosen by the handler
    WsGoingAway,     // 1001, server shutting down
    // HTTP/1.1
    HttpBadRequest,           // 400
    HttpNotFound,             // 404
    HttpMethodNotAllowed,     // 405
    HttpHeaderTimeout,        // 408
    HttpLengthRequired,       // 411 (chunked uploads are not accepted)
    HttpBodyTooLarge,         // 413
    HttpHeaderTooLarge,       // 431
    HttpBadWsVersion,         // 426
    HttpVersionNotSupported,  // 505
    HttpOverCapacity,         // 503
    // TLS: the connection is cut (after the alert OpenSSL chose), nothing else is answered
    TlsHandshakeFailed,
};

struct ErrorAnswer {
    std::uint16_t close_code;   // 0: not a WebSocket answer
    std::uint16_t http_status;  // 0: not an HTTP answer
    const char* text;           // log line and close reason
};

constexpr ErrorAnswer answer(ProtocolError e) noexcept {
    switch (e) {
        case ProtocolError::None:
            return {1000, 200, "ok"};
        case ProtocolError::WsUnmaskedFrame:
            return {1002, 0, "client frame not masked"};
        case ProtocolError::WsReservedBits:
            return {1002, 0, "reserved bits set"};
        case ProtocolError::WsBadOpcode:
            return {1002, 0, "reserved opcode"};
        case ProtocolError::WsFragmentedControl:
            return {1002, 0, "fragmented control frame"};
        case ProtocolError::WsControlTooLong:
            return {1002, 0, "control frame over 125 bytes"};
        case ProtocolError::WsUnexpectedContinuation:
            return {1002, 0, "continuation without a message"};
        case ProtocolError::WsExpectedContinuation:
            return {1002, 0, "new message inside a fragmented one"};
        case ProtocolError::WsBadLength:
            return {1002, 0, "invalid payload length"};
        case ProtocolError::WsBadClosePayload:
            return {1002, 0, "close payload of one byte"};
        case ProtocolError::WsBadCloseCode:
            return {1002, 0, "invalid close code"};
        case ProtocolError::WsInvalidUtf8:
            return {1007, 0, "invalid UTF-8 in text"};
        case ProtocolError::WsMessageTooBig:
            return {1009, 0, "message too big"};
        case ProtocolError::WsBadCompressedData:
            return {1007, 0, "invalid compressed data"};
        case ProtocolError::WsInflatedTooBig:
            return {1009, 0, "inflated message too big"};
        case ProtocolError::WsSlowConsumer:
            return {1013, 0, "slow consumer, reconnect"};
        case ProtocolError::WsIdleTimeout:
            return {4201, 0, "idle timeout"};
        case ProtocolError::WsGoingAway:
            return {1001, 0, "server shutting down"};
        case ProtocolError::HttpBadRequest:
            return {0, 400, "malformed HTTP request"};
        case ProtocolError::HttpNotFound:
            return {0, 404, "not found"};
        case ProtocolError::HttpMethodNotAllowed:
            return {0, 405, "method not allowed"};
        case ProtocolError::HttpHeaderTimeout:
            return {0, 408, "request header timeout"};
        case ProtocolError::HttpLengthRequired:
            return {0, 411, "chunked body not accepted"};
        case ProtocolError::HttpBodyTooLarge:
            return {0, 413, "request body too large"};
        case ProtocolError::HttpHeaderTooLarge:
            return {0, 431, "request header too large"};
        case ProtocolError::HttpBadWsVersion:
            return {0, 426, "unsupported WebSocket version"};
        case ProtocolError::HttpVersionNotSupported:
            return {0, 505, "HTTP version not supported"};
        case ProtocolError::HttpOverCapacity:
            return {0, 503, "over connection capacity"};
        case ProtocolError::TlsHandshakeFailed:
            return {0, 0, "TLS handshake failed"};
    }
    return {1011, 500, "unknown"};
}

// RFC 6455 7.4: codes a peer may send in a close frame.
constexpr bool is_valid_close_code(std::uint16_t code) noexcept {
    if (code >= 3000 && code <= 4999) return true;
    switch (code) {
        case 1000:
        case 1001:
        case 1002:
        case 1003:
        case 1007:
        case 1008:
        case 1009:
        case 1010:
        case 1011:
        case 1012:
        case 1013:
        case 1014:
            return true;
        default:
            return false;
    }
}

}  // namespace shoal::codec
