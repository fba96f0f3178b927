// SPDX-License-Identifier: MIT
// The seam between the transport (worker/net: TCP, HTTP/1.1, RFC 6455) and the protocol layer
// (worker/session, worker/http_api). The transport calls the WsHandler or RouteHandler that the
// route table (http_router.hpp) names; the protocol layer answers through Transport. No libuv type
// crosses this seam, so sessions are tested with a fake Transport and no sockets.
#pragma once

#include <array>
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

// The value of the first header called name (case-insensitive), or empty.
std::string_view header_of(const HttpRequest& request, std::string_view name) noexcept;

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string headers;  // complete "Name: value\r\n" lines, or empty
    bool close = false;   // the connection closes after this answer
};

// What a route captured from the path: {name} segments and a {name...} rest, as views into the
// request path (valid only during the call). Fixed size: matching allocates nothing.
struct RouteParams {
    static constexpr std::size_t kMax = 4;
    std::array<std::string_view, kMax> names{};
    std::array<std::string_view, kMax> values{};
    std::uint8_t count = 0;
    std::uint16_t route = 0;  // the tag the route was registered with

    // The value captured as name, or empty.
    std::string_view get(std::string_view name) const noexcept {
        for (std::uint8_t i = 0; i < count; ++i)
            if (names[i] == name) return values[i];
        return {};
    }
};

// How a route handler answered.
enum class Reply : std::uint8_t {
    Now,        // the HttpResponse it filled goes out at once
    Held,       // it answers later with Transport::respond (or starts a stream then)
    Streaming,  // it called Transport::begin_stream; stream_write and end_stream follow
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

class RouteHandler {
  public:
    virtual ~RouteHandler() = default;
    // A request on one of the handler's routes. Until it returns, the request counts as held, so
    // the handler may already call respond or begin_stream with this id.
    virtual Reply on_request(ConnId id, const HttpRequest& request, const RouteParams& params,
                             HttpResponse& out) = 0;
    // A held or streaming request ended without the handler finishing it: the peer went away, the
    // connection was closed as a slow consumer, or the server is shutting down. Called once, never
    // after respond or end_stream; the id answers nothing afterwards.
    virtual void on_abandoned(ConnId id) { (void)id; }
};

// A step shared by every route under a path prefix (the Pusher API's signature check). It runs
// before the route's handler and before the router's own 404/405 for paths under the prefix.
class RouteGuard {
  public:
    virtual ~RouteGuard() = default;
    // False when the guard answered the request itself (out filled).
    virtual bool admit(const HttpRequest& request, const RouteParams& params,
                       HttpResponse& out) = 0;
};

// Connections the transport does not own: a long-poll session is a client between HTTP requests.
// Their ids carry kVirtualConnBit (the transport's own ids never do) and a kind (bits 56-57); the
// transport hands what the protocol layer sends them, closes included, to the sink of the kind.
inline constexpr ConnId kVirtualConnBit = ConnId{1} << 63;
inline constexpr std::size_t kVirtualKinds = 4;
namespace virtual_kind {
inline constexpr std::uint8_t kLongPoll = 0, kSseHistory = 1;
}
constexpr ConnId make_virtual_id(std::uint8_t kind, std::uint64_t n) noexcept {
    return kVirtualConnBit | (ConnId{kind} << 56) | (n & ((ConnId{1} << 56) - 1));
}
constexpr std::uint8_t virtual_kind_of(ConnId id) noexcept {
    return static_cast<std::uint8_t>((id >> 56) & (kVirtualKinds - 1));
}

class VirtualConnSink {
  public:
    virtual ~VirtualConnSink() = default;
    virtual void send(ConnId id, FrameRef frame) = 0;
    virtual void close(ConnId id, std::uint16_t code, std::string_view reason) = 0;
    // Live virtual connections: counted with the transport's own (status, limits).
    virtual std::uint32_t count() const noexcept = 0;
};

// Periodic work of the protocol layer (keep-alives, expiries), on the loop every kTickMs.
class Ticker {
  public:
    static constexpr std::uint32_t kTickMs = 250;
    virtual ~Ticker() = default;
    virtual void on_tick(std::uint64_t now_ms) = 0;
    // The server starts draining, before held requests are abandoned: a last answer here (a
    // long-poll 410) goes out instead of a bare close.
    virtual void on_shutdown() {}
};

class Transport {
  public:
    virtual ~Transport() = default;
    // Queues a frame on a connection (on a streaming request: the frame's bytes as they are, so
    // the handler encodes whole chunks). A connection over its send-queue high-water mark is closed
    // with a reconnect code (4100-range for Pusher clients, 1013 otherwise) and the frame dropped;
    // an unknown or closing id is ignored. Never blocks, never copies the frame's bytes.
    virtual void send(ConnId id, FrameRef frame) = 0;
    // Starts the close handshake with this code and reason; on_close follows.
    virtual void close(ConnId id, std::uint16_t code, std::string_view reason) = 0;
    // Answers a held request (a RouteHandler returned Reply::Held). Ignored unless that request
    // is still held; keep-alive and the next pipelined request go on afterwards.
    virtual void respond(ConnId id, const HttpResponse& response) { (void)id, (void)response; }
    // Starts a chunked response (Transfer-Encoding: chunked) on a held request; stream_write
    // sends one chunk (empty bytes send nothing), end_stream the last one. Bounded like send():
    // a peer that does not read is closed as a slow consumer (on_abandoned).
    // These four do nothing by default: a transport with no HTTP side (a test's fake) has no
    // request to answer.
    // extra_headers: complete "Name: value\r\n" lines (CORS, Cache-Control), or empty.
    virtual void begin_stream(ConnId id, int status, std::string_view content_type,
                              std::string_view extra_headers = {}) {
        (void)id, (void)status, (void)content_type, (void)extra_headers;
    }
    virtual void stream_write(ConnId id, std::string_view bytes) { (void)id, (void)bytes; }
    virtual void end_stream(ConnId id) { (void)id; }
    // Milliseconds on the loop's monotonic clock (uv_now), for rate limits and timestamps.
    virtual std::uint64_t now_ms() const = 0;
    // Routes sends and closes of virtual ids of this kind to sink (one sink per kind). False
    // where the transport has no virtual connections (a test's fake).
    virtual bool attach_virtual(std::uint8_t kind, VirtualConnSink& sink) {
        (void)kind, (void)sink;
        return false;
    }
    // Calls t.on_tick every Ticker::kTickMs until shutdown; false where there is no clock.
    virtual bool add_ticker(Ticker& t) {
        (void)t;
        return false;
    }
};

}  // namespace shoal::net
