// SPDX-License-Identifier: MIT
#include "worker/codec/ws_frame_parser.hpp"

#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/worker/codec/ws_test_sink.hpp"
#include "worker/codec/ws_frame_encoder.hpp"

using namespace shoal;
using codec::ProtocolError;
using codec::WsOpcode;

namespace {

struct Outcome {
    ProtocolError error = ProtocolError::None;
    std::vector<test::WsEvent> events;
};

// Feeds `wire` cut at the given sizes (the last chunk takes the rest).
Outcome feed_chunks(std::string wire, const std::vector<std::size_t>& cuts,
                    codec::WsParserOptions opt = {}) {
    codec::WsFrameParser parser(opt);
    test::RecordingSink sink;
    Outcome out;
    std::size_t at = 0;
    for (std::size_t i = 0; at < wire.size(); ++i) {
        std::size_t n = i < cuts.size() ? cuts[i] : wire.size() - at;
        if (n > wire.size() - at) n = wire.size() - at;
        // Each read lands in a fresh buffer, as the next read reuses the shared one.
        std::string chunk = wire.substr(at, n);
        at += n;
        out.error = parser.parse(chunk.data(), chunk.size(), sink);
        if (out.error != ProtocolError::None) break;
    }
    out.events = sink.events;
    return out;
}

Outcome feed_whole(const std::string& wire, codec::WsParserOptions opt = {}) {
    return feed_chunks(wire, {}, opt);
}

std::string frame(WsOpcode op, std::string_view payload, bool fin = true, std::uint8_t rsv = 0) {
    return codec::encode_client_frame(op, payload, 0x37fa213d, fin, rsv);
}

// Every split into two pieces and byte-by-byte must give the same events as one whole read.
void require_split_invariant(const std::string& wire, codec::WsParserOptions opt = {}) {
    const Outcome whole = feed_whole(wire, opt);
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
        const Outcome split = feed_chunks(wire, {cut}, opt);
        REQUIRE(split.error == whole.error);
        REQUIRE(split.events.size() == whole.events.size());
        for (std::size_t i = 0; i < split.events.size(); ++i) {
            REQUIRE(split.events[i].op == whole.events[i].op);
            REQUIRE(split.events[i].payload == whole.events[i].payload);
            REQUIRE(split.events[i].code == whole.events[i].code);
        }
    }
    const Outcome bytes = feed_chunks(wire, std::vector<std::size_t>(wire.size(), 1), opt);
    REQUIRE(bytes.error == whole.error);
    REQUIRE(bytes.events.size() == whole.events.size());
    std::mt19937 rng(42);
    for (int round = 0; round < 50; ++round) {
        std::vector<std::size_t> cuts;
        for (std::size_t total = 0; total < wire.size();) {
            cuts.push_back(1 + rng() % 40);
            total += cuts.back();
        }
        const Outcome r = feed_chunks(wire, cuts, opt);
        REQUIRE(r.error == whole.error);
        REQUIRE(r.events.size() == whole.events.size());
        for (std::size_t i = 0; i < r.events.size(); ++i)
            REQUIRE(r.events[i].payload == whole.events[i].payload);
    }
}

}  // namespace

TEST_CASE("WsFrameParser: the RFC 6455 5.7 examples parse to their payloads", "[worker][codec]") {
    SECTION("a single-frame masked text message") {
        const std::string wire("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
        const Outcome o = feed_whole(wire);
        REQUIRE(o.error == ProtocolError::None);
        REQUIRE(o.events.size() == 1);
        REQUIRE(o.events[0].payload == "Hello");
        require_split_invariant(wire);
    }
    SECTION("a fragmented unmasked text message, read by a client-side parser") {
        const std::string wire("\x01\x03Hel\x80\x02lo", 9);
        const Outcome o = feed_whole(wire, {64 * 1024, false});
        REQUIRE(o.events.size() == 1);
        REQUIRE(o.events[0].payload == "Hello");
        require_split_invariant(wire, {64 * 1024, false});
    }
    SECTION("a masked ping carries its payload") {
        const std::string wire("\x89\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
        const Outcome o = feed_whole(wire);
        REQUIRE(o.events.size() == 1);
        REQUIRE(o.events[0].op == WsOpcode::Ping);
        REQUIRE(o.events[0].payload == "Hello");
    }
    SECTION("256 bytes and 64 KiB binary messages use the 16-bit and 64-bit lengths") {
        const std::string small(256, 'a'), big(65536, 'b');
        const std::string wire = frame(WsOpcode::Binary, small) + frame(WsOpcode::Binary, big);
        REQUIRE(static_cast<unsigned char>(wire[1]) == (0x80 | 126));
        const Outcome o = feed_whole(wire, {1 << 20, true});
        REQUIRE(o.events.size() == 2);
        REQUIRE(o.events[0].payload == small);
        REQUIRE(o.events[1].payload == big);
    }
}

TEST_CASE("WsFrameParser: any split of a stream gives the same messages", "[worker][codec]") {
    std::string utf8 = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 world";
    std::string wire =
        frame(WsOpcode::Text, utf8) + frame(WsOpcode::Text, std::string(300, 'x')) +
        frame(WsOpcode::Text, utf8.substr(0, 3), false) + frame(WsOpcode::Ping, "mid") +
        frame(WsOpcode::Continuation, utf8.substr(3, 9), false) + frame(WsOpcode::Pong, "") +
        frame(WsOpcode::Continuation, utf8.substr(12), true) + frame(WsOpcode::Binary, "") +
        frame(WsOpcode::Close,
              "\x03\xe8"
              "bye");
    const Outcome o = feed_whole(wire);
    REQUIRE(o.error == ProtocolError::None);
    REQUIRE(o.events.size() == 7);
    REQUIRE(o.events[0].payload == utf8);
    REQUIRE(o.events[2].op == WsOpcode::Ping);
    REQUIRE(o.events[3].op == WsOpcode::Pong);
    REQUIRE(o.events[4].payload == utf8);  // control frames interleaved, message whole
    REQUIRE(o.events[5].op == WsOpcode::Binary);
    REQUIRE(o.events[6].code == 1000);
    REQUIRE(o.events[6].payload == "bye");
    require_split_invariant(wire);
}

TEST_CASE("WsFrameParser: each protocol violation has its error", "[worker][codec]") {
    auto error_of = [](const std::string& wire) {
        const Outcome o = feed_whole(wire, {1000, true});
        for (std::size_t cut = 1; cut < wire.size(); ++cut)
            REQUIRE(feed_chunks(wire, {cut}, {1000, true}).error == o.error);
        return o.error;
    };
    SECTION("an unmasked client frame is 1002") {
        REQUIRE(error_of(std::string("\x81\x02hi", 4)) == ProtocolError::WsUnmaskedFrame);
    }
    SECTION("reserved bits are 1002") {
        REQUIRE(error_of(frame(WsOpcode::Text, "hi", true, 4)) == ProtocolError::WsReservedBits);
        REQUIRE(error_of(frame(WsOpcode::Text, "hi", true, 1)) == ProtocolError::WsReservedBits);
    }
    SECTION("reserved opcodes are 1002") {
        REQUIRE(error_of(frame(static_cast<WsOpcode>(3), "x")) == ProtocolError::WsBadOpcode);
        REQUIRE(error_of(frame(static_cast<WsOpcode>(0xB), "x")) == ProtocolError::WsBadOpcode);
    }
    SECTION("a fragmented or long control frame is 1002") {
        REQUIRE(error_of(frame(WsOpcode::Ping, "x", false)) == ProtocolError::WsFragmentedControl);
        REQUIRE(error_of(frame(WsOpcode::Ping, std::string(126, 'p'))) ==
                ProtocolError::WsControlTooLong);
    }
    SECTION("a continuation with no message, or a new message inside one, is 1002") {
        REQUIRE(error_of(frame(WsOpcode::Continuation, "x")) ==
                ProtocolError::WsUnexpectedContinuation);
        REQUIRE(error_of(frame(WsOpcode::Text, "a", false) + frame(WsOpcode::Text, "b")) ==
                ProtocolError::WsExpectedContinuation);
    }
    SECTION("invalid UTF-8 is 1007, also when the bad sequence spans fragments") {
        REQUIRE(error_of(frame(WsOpcode::Text, "ok\xC0\xAF")) == ProtocolError::WsInvalidUtf8);
        REQUIRE(error_of(frame(WsOpcode::Text, "\xE2\x82", false) +
                         frame(WsOpcode::Continuation, "(", true)) == ProtocolError::WsInvalidUtf8);
        REQUIRE(error_of(frame(WsOpcode::Text, "cut \xE2\x82")) == ProtocolError::WsInvalidUtf8);
    }
    SECTION("a message over the limit is 1009, also when only its fragments add up past it") {
        REQUIRE(error_of(frame(WsOpcode::Binary, std::string(1001, 'x'))) ==
                ProtocolError::WsMessageTooBig);
        REQUIRE(error_of(frame(WsOpcode::Text, std::string(600, 'x'), false) +
                         frame(WsOpcode::Continuation, std::string(401, 'x'))) ==
                ProtocolError::WsMessageTooBig);
        REQUIRE(error_of(frame(WsOpcode::Binary, std::string(1000, 'x'))) == ProtocolError::None);
    }
    SECTION("close frames with one byte, a bad code or a bad reason are refused") {
        REQUIRE(error_of(frame(WsOpcode::Close, "\x03")) == ProtocolError::WsBadClosePayload);
        REQUIRE(error_of(frame(WsOpcode::Close, "\x03\xed")) == ProtocolError::WsBadCloseCode);
        REQUIRE(error_of(frame(WsOpcode::Close, std::string("\x00\x00", 2))) ==
                ProtocolError::WsBadCloseCode);
        REQUIRE(error_of(frame(WsOpcode::Close, "\x03\xe8\xff")) == ProtocolError::WsInvalidUtf8);
    }
    SECTION("a 64-bit length with the top bit set is refused") {
        std::string wire("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00", 14);
        REQUIRE(error_of(wire) == ProtocolError::WsBadLength);
    }
}

TEST_CASE("WsFrameParser: nothing is read after a close frame or an error", "[worker][codec]") {
    const std::string wire = frame(WsOpcode::Close, "") + frame(WsOpcode::Text, "after");
    const Outcome o = feed_whole(wire);
    REQUIRE(o.events.size() == 1);
    REQUIRE(o.events[0].code == 1005);
}

TEST_CASE("WsFrameParser: a whole frame is delivered in place, a split one is buffered",
          "[worker][codec]") {
    codec::WsFrameParser parser;
    struct PtrSink final : codec::WsFrameSink {
        const char* seen = nullptr;
        bool on_ws_message(WsOpcode, char* d, std::size_t) override { return seen = d, true; }
        bool on_ws_ping(std::string_view) override { return true; }
        bool on_ws_pong(std::string_view) override { return true; }
        bool on_ws_close(std::uint16_t, std::string_view) override { return true; }
    } sink;
    std::string wire = frame(WsOpcode::Text, "hello there");
    REQUIRE(parser.parse(wire.data(), wire.size(), sink) == ProtocolError::None);
    REQUIRE(sink.seen == wire.data() + 6);
    REQUIRE(parser.buffered_bytes() == 0);
    std::string again = frame(WsOpcode::Text, "hello there");
    REQUIRE(parser.parse(again.data(), 8, sink) == ProtocolError::None);
    REQUIRE(parser.parse(again.data() + 8, again.size() - 8, sink) == ProtocolError::None);
    REQUIRE(sink.seen != again.data() + 6);
}

TEST_CASE("WsFrameParser: with permessage-deflate, RSV1 marks a compressed message's first frame",
          "[worker][codec][deflate]") {
    codec::WsParserOptions deflate;
    deflate.permessage_deflate = true;
    // Not negotiated: RSV1 is an error as before.
    REQUIRE(feed_whole(frame(WsOpcode::Text, "x", true, 4)).error == ProtocolError::WsReservedBits);
    // RSV2 and RSV3 stay errors; so does RSV1 on a continuation or a control frame.
    REQUIRE(feed_whole(frame(WsOpcode::Text, "x", true, 2), deflate).error ==
            ProtocolError::WsReservedBits);
    REQUIRE(feed_whole(frame(WsOpcode::Text, "x", true, 1), deflate).error ==
            ProtocolError::WsReservedBits);
    REQUIRE(feed_whole(frame(WsOpcode::Ping, "", true, 4), deflate).error ==
            ProtocolError::WsReservedBits);
    REQUIRE(feed_whole(
                frame(WsOpcode::Text, "a", false, 4) + frame(WsOpcode::Continuation, "b", true, 4),
                deflate)
                .error == ProtocolError::WsReservedBits);

    // The sink learns per message whether it is compressed; its bytes are not UTF-8 checked.
    struct FlagSink final : codec::WsFrameSink {
        codec::WsFrameParser* parser = nullptr;
        std::vector<std::pair<bool, std::string>> got;
        bool on_ws_message(WsOpcode, char* d, std::size_t n) override {
            got.emplace_back(parser->message_compressed(), std::string(d, n));
            return true;
        }
        bool on_ws_ping(std::string_view) override { return true; }
        bool on_ws_pong(std::string_view) override { return true; }
        bool on_ws_close(std::uint16_t, std::string_view) override { return true; }
    };
    const std::string not_utf8 = "\xff\xfe\x00";
    const std::string wire =
        frame(WsOpcode::Text, not_utf8, false, 4) + frame(WsOpcode::Ping, "p") +
        frame(WsOpcode::Continuation, "\xc3", true) + frame(WsOpcode::Text, "plain");
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
        codec::WsFrameParser parser(deflate);
        FlagSink sink;
        sink.parser = &parser;
        std::string a = wire.substr(0, cut), b = wire.substr(cut);
        REQUIRE(parser.parse(a.data(), a.size(), sink) == ProtocolError::None);
        REQUIRE(parser.parse(b.data(), b.size(), sink) == ProtocolError::None);
        REQUIRE(sink.got.size() == 2);
        CHECK(sink.got[0] == std::make_pair(true, not_utf8 + "\xc3"));
        CHECK(sink.got[1] == std::make_pair(false, std::string("plain")));
    }
    // Plain text after agreement is still checked.
    REQUIRE(feed_whole(frame(WsOpcode::Text, not_utf8), deflate).error ==
            ProtocolError::WsInvalidUtf8);
}
