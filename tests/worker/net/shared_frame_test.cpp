// SPDX-License-Identifier: MIT
#include "worker/net/shared_frame.hpp"

#include <cstring>
#include <string>

#include <catch2/catch.hpp>

using namespace shoal::net;

TEST_CASE("SharedFrame: encodes server frames with their payloads", "[worker][net]") {
    const FrameRef t = SharedFrame::make_text("Hello");
    REQUIRE(t->wire() == std::string("\x81\x05Hello", 7));
    REQUIRE(t->payload() == "Hello");
    const FrameRef big = SharedFrame::make_binary(std::string(70000, 'z'));
    REQUIRE(big->wire().size() == 70010);
    REQUIRE(big->payload().size() == 70000);
    const FrameRef c = SharedFrame::make_close(1001, "bye");
    REQUIRE(c->wire() == std::string("\x88\x05\x03\xe9"
                                     "bye",
                                     7));
    REQUIRE(SharedFrame::make_ping("")->wire() == std::string("\x89\x00", 2));
    REQUIRE(SharedFrame::make_pong("p")->wire() == std::string("\x8a\x01p", 3));
}

TEST_CASE("SharedFrame: from_wire keeps the bytes and finds the payload", "[worker][net]") {
    const FrameRef orig = SharedFrame::make_text(std::string(300, 'q'));
    const FrameRef copy = SharedFrame::from_wire(orig->wire());
    REQUIRE(copy->wire() == orig->wire());
    REQUIRE(copy->payload() == orig->payload());
    REQUIRE(SharedFrame::make_raw("HTTP/1.1 200 OK\r\n\r\n")->payload().size() == 19);
    const FrameRef big = SharedFrame::make_binary(std::string(70000, 'z'));
    REQUIRE(SharedFrame::from_wire(big->wire())->payload() == big->payload());
}

TEST_CASE("SharedFrame: from_wire keeps bytes that are not one WebSocket frame whole",
          "[worker][net]") {
    // Another transport's frame (an SSE event) is all payload: no header is guessed from it.
    const std::string sse = "event: news\ndata: {}\n\n";
    REQUIRE(SharedFrame::from_wire(sse)->payload() == sse);
    // A WebSocket header whose length disagrees with the bytes is not taken for one either.
    const std::string wrong("\x81\x09short", 7);
    REQUIRE(SharedFrame::from_wire(wrong)->payload() == wrong);
    const std::string masked(
        "\x81\x85"
        "abcdhello",
        11);
    REQUIRE(SharedFrame::from_wire(masked)->payload() == masked);
}

TEST_CASE("FrameRef: copies share one frame, the last reference frees it", "[worker][net]") {
    FrameRef a = SharedFrame::make_text("x");
    REQUIRE(a.use_count() == 1);
    {
        FrameRef b = a;
        FrameRef c = b;
        REQUIRE(a.use_count() == 3);
        REQUIRE(&*b == &*a);
        FrameRef d = std::move(c);
        REQUIRE_FALSE(c);
        REQUIRE(a.use_count() == 3);
    }
    REQUIRE(a.use_count() == 1);
    a.reset();
    REQUIRE_FALSE(a);
}

TEST_CASE(
    "SharedFrame: a filled block narrows to the frame inside it without a copy, and copies "
    "when it is shared or the bytes are not its own",
    "[worker][net]") {
    const FrameRef inner = SharedFrame::make_text("inside");
    const std::string record = "topic|" + std::string(inner->wire()) + "|tail";
    std::byte* bytes = nullptr;
    FrameRef block = SharedFrame::make_block(record.size(), bytes);
    REQUIRE(bytes != nullptr);
    std::memcpy(bytes, record.data(), record.size());
    const char* at = reinterpret_cast<const char*>(bytes) + 6;
    const std::string_view frame_bytes(at, inner->wire().size());

    const FrameRef f = SharedFrame::narrow(std::move(block), frame_bytes);
    CHECK(f->wire().data() == at);  // the block's own bytes: nothing copied
    CHECK(f->wire() == inner->wire());
    CHECK(f->payload() == "inside");
    CHECK(f.use_count() == 1);

    // Shared already: a copy, the original untouched.
    const FrameRef again = SharedFrame::narrow(f, f->wire());
    CHECK(again->wire() == inner->wire());
    CHECK(again->wire().data() != f->wire().data());
    // Bytes outside the block: a copy.
    std::byte* other = nullptr;
    FrameRef unrelated = SharedFrame::make_block(4, other);
    const FrameRef copied = SharedFrame::narrow(std::move(unrelated), inner->wire());
    CHECK(copied->wire() == inner->wire());
    CHECK(copied->wire().data() != inner->wire().data());
}
