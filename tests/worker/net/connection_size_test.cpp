// SPDX-License-Identifier: MIT
// The memory budget of an idle subscribed connection (docs/benchmarks.md, "Memory per connection"):
// the transport's share is pinned here, so a field added to Connection is a decision.
#include <catch2/catch.hpp>

#include "worker/net/connection.hpp"

using namespace shoal::net;

TEST_CASE("Connection: an idle connection stays within its byte budget", "[worker][net]") {
    // The socket is a descriptor in the server's one epoll set (SocketPoller): no libuv handle
    // per connection (a uv_poll_t was 160 bytes, a uv_tcp_t 248). Everything the transport
    // keeps per connection (parser state, the inline send queue, the timeout link) fits in 128
    // bytes: a 144-byte malloc chunk (glibc adds 8 and rounds to 16).
    // The state and flag bytes sit in the DeadlineLink base's tail padding.
    // The frame parser is not inline (a connection owns one only while a frame is cut by a
    // read), nor a dirty-list link (the WriteBatcher keeps a vector), nor a write or shutdown
    // request (the connection writes and half-closes with its own system calls).
    REQUIRE(sizeof(Connection) <= 128);
    // What an idle connection does not carry inline: a backlog's ring, a second timer, the
    // HTTP parser, a frame parser.
    REQUIRE(sizeof(SendQueue) <= 40);
    REQUIRE(sizeof(shoal::codec::WsFrameParser) <= 104);
    REQUIRE(sizeof(DeadlineLink) <= 32);
}
