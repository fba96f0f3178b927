// SPDX-License-Identifier: MIT
// test-labels: unit supervisor cluster
// The messages hosts exchange on Redis: a round trip keeps every field and the body's bytes;
// anything short, foreign or of an unknown kind is refused.
#include "supervisor/cluster/cluster_wire.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace shoal::cluster;

TEST_CASE("cluster wire: a record round-trips with its host, slot, type and body bytes",
          "[supervisor][cluster]") {
    const std::string body = "frame\0bytes";
    auto s = encode_wire(WireKind::Record, 0x1122334455667788ull, 3, 0x4201,
                         std::as_bytes(std::span(body.data(), body.size())));
    WireMessage m;
    REQUIRE(decode_wire(s, m));
    CHECK(m.kind == WireKind::Record);
    CHECK(m.host == 0x1122334455667788ull);
    CHECK(m.slot == 3);
    CHECK(m.type == 0x4201);
    CHECK(std::string(reinterpret_cast<const char*>(m.body.data()), m.body.size()) == body);

    auto d = encode_wire_u64(WireKind::SlotDown, 7, 42);
    REQUIRE(decode_wire(d, m));
    std::uint64_t v = 0;
    REQUIRE(wire_u64(m, v));
    CHECK(v == 42);
}

TEST_CASE("cluster wire: short, foreign and unknown messages are refused",
          "[supervisor][cluster]") {
    WireMessage m;
    auto s = encode_wire_u64(WireKind::SnapshotRequest, 9, 0);
    for (std::size_t n = 0; n < kWireHeaderBytes; ++n)
        CHECK_FALSE(decode_wire(std::string_view(s).substr(0, n), m));
    std::string bad = s;
    bad[0] = 'X';
    CHECK_FALSE(decode_wire(bad, m));
    bad = s;
    bad[4] = 9;  // kind
    CHECK_FALSE(decode_wire(bad, m));
    CHECK_FALSE(decode_wire(encode_wire_u64(WireKind::Bye, 0, 0), m));  // host 0 is nobody
    REQUIRE(decode_wire(s.substr(0, kWireHeaderBytes), m));
    std::uint64_t v = 0;
    CHECK_FALSE(wire_u64(m, v));  // the body is missing
    CHECK_FALSE(decode_wire("hello world, not a shoal message", m));
}
