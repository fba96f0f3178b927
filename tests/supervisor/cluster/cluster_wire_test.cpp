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

TEST_CASE("cluster wire: a numbered history message gives back its record, epoch and offset",
          "[supervisor][cluster]") {
    const std::string record = "record\0bytes";
    const std::string sent = encode_wire(WireKind::History, 5, 2, 0x420C,
                                         std::as_bytes(std::span(record.data(), record.size())));
    CHECK(hex64(0x00ab00cd00ef0012ull) == "00ab00cd00ef0012");
    // What the numbering script appends: the epoch as 16 hex digits, the offset as 20 decimals.
    const std::string numbered = sent + hex64(0x00ab00cd00ef0012ull) + "00000000000000000042";
    WireMessage m;
    REQUIRE(decode_wire(numbered, m));
    CHECK((m.kind == WireKind::History && m.host == 5 && m.slot == 2));
    std::span<const std::byte> out;
    std::uint64_t epoch = 0, offset = 0;
    REQUIRE(wire_numbered(m, out, epoch, offset));
    CHECK((epoch == 0x00ab00cd00ef0012ull && offset == 42));
    CHECK(std::string(reinterpret_cast<const char*>(out.data()), out.size()) == record);
    const std::string max_offset = sent + hex64(1) + "18446744073709551615";
    REQUIRE(decode_wire(max_offset, m));
    REQUIRE(wire_numbered(m, out, epoch, offset));
    CHECK(offset == 18446744073709551615ull);

    SECTION("a trailer that is short, not hex, not decimal, zero or too large is refused") {
        for (const std::string& trailer :
             {std::string("00ab00cd00ef0012000000000000000004"),  // 34 bytes: too short
              std::string("00AB00CD00EF001200000000000000000042"),
              std::string("00ab00cd00ef00120000000000000000004x"),
              std::string("000000000000000000000000000000000042"),  // epoch 0
              std::string("00ab00cd00ef001200000000000000000000"),  // offset 0
              std::string("00ab00cd00ef001218446744073709551616")}) {
            const std::string bad = sent.substr(0, kWireHeaderBytes) + trailer;  // m views it
            REQUIRE(decode_wire(bad, m));
            CHECK_FALSE(wire_numbered(m, out, epoch, offset));
        }
        const std::string record_kind =
            encode_wire(WireKind::Record, 5, 2, 0x420C, {}) + "0" + max_offset;
        REQUIRE(decode_wire(record_kind, m));
        CHECK_FALSE(wire_numbered(m, out, epoch, offset));  // not a History message
    }
}
