// SPDX-License-Identifier: MIT
// test-links: shoal_proto_sse
// The SSE codec: stream queries (channel/auth/channel_data pairing, decoding, refusals), socket
// ids, and event chunks that are valid HTTP chunks holding one SSE event each.
#include "worker/protocols/sse/sse_codec.hpp"

#include <catch2/catch.hpp>

using namespace shoal::sse;

namespace {

// The body of one HTTP chunk, checked against its size line.
std::string chunk_body(const std::string& chunk) {
    const std::size_t crlf = chunk.find("\r\n");
    REQUIRE(crlf != std::string::npos);
    REQUIRE(chunk.substr(0, crlf).find_first_not_of("0123456789abcdef") == std::string::npos);
    REQUIRE(chunk[0] != '0');
    const std::size_t size = std::stoul(chunk.substr(0, crlf), nullptr, 16);
    REQUIRE(chunk.size() == crlf + 2 + size + 2);
    REQUIRE(chunk.substr(chunk.size() - 2) == "\r\n");
    return chunk.substr(crlf + 2, size);
}

}  // namespace

TEST_CASE("a stream query pairs auth and channel_data with the channel before them") {
    StreamQuery q;
    REQUIRE(parse_stream_query("socket_id=1.2&channel=pub&channel=private-a&auth=k%3Asig&"
                               "channel=presence-r&auth=k%3As2&channel_data=%7B%7D&x=1",
                               q) == QueryError::None);
    REQUIRE(q.socket_id == "1.2");
    REQUIRE(q.channels.size() == 3);
    CHECK(q.channels[0].channel == "pub");
    CHECK(q.channels[0].auth.empty());
    CHECK(q.channels[1].auth == "k:sig");
    CHECK(q.channels[2].auth == "k:s2");
    CHECK(q.channels[2].channel_data == "{}");
}

TEST_CASE("stream queries without a channel, with a stray auth or a bad escape are refused") {
    StreamQuery q;
    CHECK(parse_stream_query("", q) == QueryError::NoChannel);
    CHECK(parse_stream_query("socket_id=1.2", q) == QueryError::NoChannel);
    CHECK(parse_stream_query("auth=k:s&channel=a", q) == QueryError::AuthWithoutChannel);
    CHECK(parse_stream_query("channel=%zz", q) == QueryError::Malformed);
    REQUIRE(parse_stream_query("channel=a+b&lastEventId=77", q) == QueryError::None);
    CHECK(q.channels[0].channel == "a b");
    CHECK(q.last_event_id == "77");
}

TEST_CASE("socket ids are digits, a dot, digits") {
    CHECK(valid_socket_id("123.456"));
    CHECK_FALSE(valid_socket_id(""));
    CHECK_FALSE(valid_socket_id("123"));
    CHECK_FALSE(valid_socket_id(".1"));
    CHECK_FALSE(valid_socket_id("1."));
    CHECK_FALSE(valid_socket_id("1.2.3"));
    CHECK_FALSE(valid_socket_id("1a.2"));
}

TEST_CASE("an event is one chunk: id, event and one data line of JSON") {
    std::string out;
    encode_event_chunk(out, 4242, "private-a", "greet", "two\nlines \"quoted\"");
    const std::string body = chunk_body(out);
    CHECK(body ==
          "id: 4242\nevent: greet\ndata: {\"channel\":\"private-a\",\"event\":\"greet\","
          "\"data\":\"two\\nlines \\\"quoted\\\"\"}\n\n");
    CHECK(event_id_of(out) == 4242);
}

TEST_CASE("an event name with a line break goes as 'message' and stays in data") {
    std::string out;
    encode_event_chunk(out, 1, "c", "a\nb", "d");
    const std::string body = chunk_body(out);
    CHECK(body.find("event: message\n") != std::string::npos);
    CHECK(body.find("\"event\":\"a\\nb\"") != std::string::npos);
}

TEST_CASE("comments and the preamble") {
    std::string out;
    encode_comment_chunk(out, "keep-alive");
    CHECK(chunk_body(out) == ": keep-alive\n\n");
    CHECK(encode_preamble(1000, "hi") == "retry: 1000\n: hi\n\n");
    // A large event still gets an exact size line.
    encode_event_chunk(out, 9, "c", "e", std::string(70000, 'x'));
    CHECK(chunk_body(out).size() > 70000);
}

TEST_CASE("event ids parse as whole decimal numbers only") {
    CHECK(parse_event_id("12345") == 12345);
    CHECK(parse_event_id("") == 0);
    CHECK(parse_event_id("12a") == 0);
    CHECK(parse_event_id("-1") == 0);
    CHECK(event_id_of("no id here") == 0);
}

TEST_CASE("sse codec: history ids are <epoch>:<offset>, and the history status carries none",
          "[sse][codec]") {
    std::string out;
    encode_event_chunk(out, "00000000000000ab", 42, "feed", "tick", "x");
    const std::string body = chunk_body(out);
    CHECK(body.starts_with("id: 00000000000000ab:42\nevent: tick\n"));
    std::string_view epoch;
    std::uint64_t offset = 0;
    REQUIRE(parse_history_id("00000000000000ab:42", epoch, offset));
    CHECK((epoch == "00000000000000ab" && offset == 42));
    for (const char* bad : {"", "42", ":42", "e:", "e:4x", "e:-1"})
        CHECK_FALSE(parse_history_id(bad, epoch, offset));
    CHECK(parse_event_id("00000000000000ab:42") == 0);  // never taken for a worker-local id
    encode_history_chunk(out, "feed", 7, "e", true, false);
    const std::string status = chunk_body(out);
    CHECK(status.find("id:") == std::string::npos);
    CHECK(status ==
          "event: shoal:history\ndata: {\"channel\":\"feed\",\"position\":{\"offset\":7,"
          "\"epoch\":\"e\"},\"recovered\":false}\n\n");
}
