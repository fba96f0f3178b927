// SPDX-License-Identifier: MIT
// The seam between the transport (worker/net: TCP, HTTP/1.1, RFC 6455) and the protocol layer
// (worker/session, worker/http_api). The transport calls WsHandler/HttpHandler; the protocol layer
// answers through Transport. No libuv type crosses this seam, so sessions are tested with a fake
// Transport and no sockets.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "worker/net/shared_frame.hpp"

namespace shoal::net {

// Unique for the worker's lifetime: a slot index plus a generation, never reused while any
// reference to it may remain.
using ConnId = std::uint64_t;

struct Header {
    std::string_view name;  // as received; compare case-insensitively
    std::string_view value;
};

// Views into the transport's buffers: valid only during the call that receives them.
struct HttpRequest {
    std::string_view method;
    std::string_view path;   // without the query string
    std::string_view query;  // without the '?'
    std::span<const Header> headers;
    std::string_view body;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

struct UpgradeDecision {
    bool accept = true;
    int refuse_status = 404;  // HTTP status when !accept
};

class WsHandler {
  public:
    virtual ~WsHandler() = default;
    // A valid RFC 6455 upgrade request arrived. Accepting sends the 101; refusing answers
    // refuse_status and closes. on_open follows an accept once the 101 is queued.
    virtual UpgradeDecision on_upgrade(const HttpRequest& request) = 0;
    virtual void on_open(ConnId id, const HttpRequest& request) = 0;
    // One complete, UTF-8-validated text message, reassembled if it was fragmented. The view
    // points into a transport buffer that the handler may modify in place (RapidJSON ParseInsitu)
    // and must not keep.
    virtual void on_text(ConnId id, std::string_view message) = 0;
    virtual void on_binary(ConnId id, std::string_view message) { (void)id, (void)message; }
    // No inbound frame for idle_timeout_ms(). If nothing arrives within idle_grace_ms() after
    // this, the transport closes the connection with idle_close_code().
    virtual void on_idle(ConnId id) = 0;
    // The connection is gone, whichever side closed it; id is invalid afterwards.
    virtual void on_close(ConnId id) = 0;

    virtual std::uint32_t idle_timeout_ms() const = 0;
    virtual std::uint32_t idle_grace_ms() const { return 30'000; }
    virtual std::uint16_t idle_close_code() const { return 4201; }  // Pusher: pong not received

    // Added by the transport: close code for a connection over its send-queue high-water mark
    // (1013 "try again later"; Pusher clients expect 4100 "over capacity").
    virtual std::uint16_t overload_close_code() const { return 1013; }
    // Added by the transport: the worker is shutting down; a last frame sent here (a farewell, a
    // reconnect hint) goes out before the transport closes the connection with 1001.
    virtual void on_shutdown(ConnId id) { (void)id; }
};

class HttpHandler {
  public:
    virtual ~HttpHandler() = default;
    // Every request that is not a WebSocket upgrade (health checks are answered by the transport).
    virtual HttpResponse on_request(const HttpRequest& request) = 0;
};

class Transport {
  public:
    virtual ~Transport() = default;
    // Queues a frame on a connection. A connection over its send-queue high-water mark is closed
    // with a reconnect code (4100-range for Pusher clients, 1013 otherwise) and the frame dropped;
    // an unknown or closing id is ignored. Never blocks, never copies the frame's bytes.
    virtual void send(ConnId id, FrameRef frame) = 0;
    // Starts the close handshake with this code and reason; on_close follows.
    virtual void close(ConnId id, std::uint16_t code, std::string_view reason) = 0;
    // Milliseconds on the loop's monotonic clock (uv_now), for rate limits and timestamps.
    virtual std::uint64_t now_ms() const = 0;
};

}  // namespace shoal::net
