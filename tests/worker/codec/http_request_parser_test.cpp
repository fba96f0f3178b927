// SPDX-License-Identifier: MIT
#include "worker/codec/http_request_parser.hpp"

#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::codec;

namespace {

struct Parsed {
    HttpParseState state = HttpParseState::NeedMore;
    ProtocolError error = ProtocolError::None;
    std::string method, path, query, body, host;
    std::size_t headers = 0;
    bool keep_alive = false;
    std::size_t leftover = 0;  // bytes not consumed after Complete
};

Parsed feed_chunks(const std::string& text, const std::vector<std::size_t>& cuts,
                   HttpLimits limits = {}) {
    HttpRequestParser p(limits);
    Parsed out;
    std::size_t at = 0;
    for (std::size_t i = 0; at < text.size(); ++i) {
        std::size_t n = i < cuts.size() ? cuts[i] : text.size() - at;
        if (n > text.size() - at) n = text.size() - at;
        std::size_t used = 0;
        out.state = p.feed(std::string_view(text).substr(at, n), used);
        at += used;
        if (out.state == HttpParseState::NeedMore) {
            REQUIRE(used == n);
            continue;
        }
        if (out.state == HttpParseState::Error) {
            out.error = p.error();
            return out;
        }
        const ParsedRequest& r = p.request();
        out.method = r.method, out.path = r.path, out.query = r.query, out.body = r.body;
        out.host = r.header("HOST");
        out.headers = r.headers.size();
        out.keep_alive = r.keep_alive;
        out.leftover = text.size() - at;
        return out;
    }
    return out;
}

void require_same_at_every_split(const std::string& text, HttpLimits limits = {}) {
    const Parsed whole = feed_chunks(text, {}, limits);
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        const Parsed s = feed_chunks(text, {cut}, limits);
        REQUIRE(s.state == whole.state);
        REQUIRE(s.error == whole.error);
        REQUIRE(s.path == whole.path);
        REQUIRE(s.body == whole.body);
        REQUIRE(s.leftover == whole.leftover);
    }
    REQUIRE(feed_chunks(text, std::vector<std::size_t>(text.size(), 1), limits).body == whole.body);
    std::mt19937 rng(7);
    for (int round = 0; round < 30; ++round) {
        std::vector<std::size_t> cuts;
        for (std::size_t t = 0; t < text.size(); t += cuts.back())
            cuts.push_back(1 + rng() % 17);
        const Parsed r = feed_chunks(text, cuts, limits);
        REQUIRE(r.state == whole.state);
        REQUIRE(r.error == whole.error);
        REQUIRE(r.body == whole.body);
    }
}

}  // namespace

TEST_CASE("HttpRequestParser: a request with a body parses the same at every split point",
          "[worker][codec]") {
    const std::string text =
        "POST /apps/1/events?auth_key=k&body_md5=x HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"name\":\"ev\"}NEXT";
    const Parsed p = feed_chunks(text, {});
    REQUIRE(p.state == HttpParseState::Complete);
    REQUIRE(p.method == "POST");
    REQUIRE(p.path == "/apps/1/events");
    REQUIRE(p.query == "auth_key=k&body_md5=x");
    REQUIRE(p.body == "{\"name\":\"ev\"}");
    REQUIRE(p.host == "localhost");
    REQUIRE(p.headers == 3);
    REQUIRE(p.keep_alive);
    REQUIRE(p.leftover == 4);  // the next pipelined bytes are left for the caller
    require_same_at_every_split(text);
}

TEST_CASE("HttpRequestParser: keep-alive follows the version and Connection", "[worker][codec]") {
    REQUIRE_FALSE(feed_chunks("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", {}).keep_alive);
    REQUIRE_FALSE(feed_chunks("GET / HTTP/1.0\r\n\r\n", {}).keep_alive);
    REQUIRE(feed_chunks("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", {}).keep_alive);
}

TEST_CASE("HttpRequestParser: limits and malformed input have their statuses", "[worker][codec]") {
    HttpLimits small{128, 16, 4};
    SECTION("a head over max_header_bytes is 431, however it is split") {
        const std::string text = "GET / HTTP/1.1\r\nX-Long: " + std::string(200, 'a') + "\r\n\r\n";
        REQUIRE(feed_chunks(text, {}, small).error == ProtocolError::HttpHeaderTooLarge);
        require_same_at_every_split(text, small);
    }
    SECTION("too many headers is 431") {
        std::string text = "GET / HTTP/1.1\r\n";
        for (int i = 0; i < 5; ++i)
            text += "A" + std::to_string(i) + ": b\r\n";
        REQUIRE(feed_chunks(text + "\r\n", {}, small).error == ProtocolError::HttpHeaderTooLarge);
    }
    SECTION("a body over max_body_bytes is 413 before it arrives") {
        const std::string text = "POST /x HTTP/1.1\r\nContent-Length: 17\r\n\r\n";
        REQUIRE(feed_chunks(text, {}, small).error == ProtocolError::HttpBodyTooLarge);
    }
    SECTION("a chunked upload is 411") {
        REQUIRE(feed_chunks("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", {}).error ==
                ProtocolError::HttpLengthRequired);
    }
    SECTION("garbage is 400") {
        REQUIRE(feed_chunks("HELLO\r\n\r\n", {}).error == ProtocolError::HttpBadRequest);
        REQUIRE(feed_chunks("GET nopath HTTP/1.1\r\n\r\n", {}).error ==
                ProtocolError::HttpBadRequest);
        REQUIRE(feed_chunks("GET / HTTP/1.1\r\nNo colon\r\n\r\n", {}).error ==
                ProtocolError::HttpBadRequest);
        REQUIRE(feed_chunks("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", {}).error ==
                ProtocolError::HttpBadRequest);
        REQUIRE(feed_chunks("GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", {}).error ==
                ProtocolError::HttpBadRequest);
        REQUIRE(feed_chunks("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", {})
                    .error == ProtocolError::HttpBadRequest);
    }
    SECTION("another HTTP version is 505") {
        REQUIRE(feed_chunks("GET / HTTP/2.0\r\n\r\n", {}).error ==
                ProtocolError::HttpVersionNotSupported);
    }
}

TEST_CASE("HttpRequestParser: random bytes never crash it and always end in a decision",
          "[worker][codec]") {
    std::mt19937 rng(1234);
    const std::string alphabet = "GET /\r\n: HTTP/1.1Content-Length0123456789abc\t\x80\xff";
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        const std::size_t len = rng() % 300;
        for (std::size_t i = 0; i < len; ++i)
            text += alphabet[rng() % alphabet.size()];
        if (round % 2) text = "GET / HTTP/1.1\r\n" + text + "\r\n\r\n";
        const Parsed p = feed_chunks(text, {rng() % 40, rng() % 40}, HttpLimits{256, 64, 8});
        if (p.state == HttpParseState::Error) REQUIRE(answer(p.error).http_status >= 400);
    }
}

TEST_CASE("HttpRequestParser: reset readies it for the next pipelined request", "[worker][codec]") {
    HttpRequestParser p;
    const std::string two = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    std::size_t used = 0;
    REQUIRE(p.feed(two, used) == HttpParseState::Complete);
    REQUIRE(p.request().path == "/a");
    p.reset();
    std::size_t used2 = 0;
    REQUIRE(p.feed(std::string_view(two).substr(used), used2) == HttpParseState::Complete);
    REQUIRE(p.request().path == "/b");
    REQUIRE(used + used2 == two.size());
}

TEST_CASE("header_has_token: matches comma-separated tokens case-insensitively",
          "[worker][codec]") {
    REQUIRE(header_has_token("keep-alive, Upgrade", "upgrade"));
    REQUIRE_FALSE(header_has_token("keep-alive, Upgraded", "upgrade"));
    REQUIRE_FALSE(header_has_token("", "upgrade"));
}

TEST_CASE("HttpRequestParser: head_complete tells a missing body from a missing head",
          "[worker][codec]") {
    HttpRequestParser p;
    std::size_t used = 0;
    REQUIRE(p.feed("POST /x HTTP/1.1\r\nContent-Le", used) == HttpParseState::NeedMore);
    REQUIRE_FALSE(p.head_complete());
    REQUIRE(p.feed("ngth: 4\r\n\r\nab", used) == HttpParseState::NeedMore);
    REQUIRE(p.head_complete());
    REQUIRE(p.feed("cd", used) == HttpParseState::Complete);
    p.reset();
    REQUIRE_FALSE(p.head_complete());
}
