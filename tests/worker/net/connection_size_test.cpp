// SPDX-License-Identifier: MIT
// The memory budget of an idle subscribed connection (docs/benchmarks.md, "Memory per connection"):
// the transport's share is pinned here, so a field added to Connection is a decision.
#include <catch2/catch.hpp>

#include "worker/net/connection.hpp"

using namespace shoal::net;

TEST_CASE("Connection: an idle connection stays within its byte budget", "[worker][net]") {
    // The socket's uv_poll_t is 160 bytes (a uv_tcp_t was 248); everything else the transport
    // keeps per connection (parser state, the inline send queue, the timeout link) must fit the
    // rest.
    CHECK(sizeof(uv_poll_t) <= 160);
    // 280 bytes: a 288-byte malloc chunk (glibc adds 8 and rounds to 16); 281 would cost 304.
    // The state and flag bytes sit in the DeadlineLink base's tail padding.
    // The frame parser is not inline (a connection owns one only while a frame is cut by a
    // read), nor a dirty-list link (the WriteBatcher keeps a vector), nor a write or shutdown
    // request (the connection writes and half-closes with its own system calls).
    REQUIRE(sizeof(Connection) <= 280);
    // What an idle connection does not carry inline: a backlog's ring, a second timer, the
    // HTTP parser, a frame parser.
    REQUIRE(sizeof(SendQueue) <= 40);
    REQUIRE(sizeof(shoal::codec::WsFrameParser) <= 104);
    REQUIRE(sizeof(DeadlineLink) <= 32);
}
