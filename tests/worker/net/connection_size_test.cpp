// SPDX-License-Identifier: MIT
// The memory budget of an idle subscribed connection (docs/benchmarks.md, "Memory per connection"):
// the transport's share is pinned here, so a field added to Connection is a decision.
#include <catch2/catch.hpp>

#include "worker/net/connection.hpp"

using namespace shoal::net;

TEST_CASE("Connection: an idle connection stays within its byte budget", "[worker][net]") {
    // uv_tcp_t alone is 248 bytes; everything else the transport keeps per connection (parser
    // state, the inline send queue, the timeout link) must fit the rest.
    CHECK(sizeof(uv_tcp_t) <= 256);
    // 392 bytes: a 400-byte malloc chunk (glibc adds 8 and rounds to 16); 393 would cost 416.
    // The frame parser is not inline (a connection owns one only while a frame is cut by a
    // read), nor a dirty-list link (the WriteBatcher keeps a vector).
    REQUIRE(sizeof(Connection) <= 392);
    // What an idle connection does not carry inline: a backlog's ring, the write or shutdown
    // request, a second timer, the HTTP parser, a frame parser.
    REQUIRE(sizeof(SendQueue) <= 40);
    REQUIRE(sizeof(shoal::codec::WsFrameParser) <= 104);
    REQUIRE(sizeof(DeadlineLink) <= 32);
}
