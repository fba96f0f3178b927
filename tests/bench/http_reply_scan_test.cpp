// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib
// HTTP/1.1 response heads and chunked bodies, whole and cut short.
#include "bench/loadgen/http_reply_scan.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace shoal::loadgen;

TEST_CASE("http_reply_scan: a 101 upgrade answer yields its status and accept header",
          "[bench][http]") {
    const std::string r =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "sec-websocket-accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\n\r\n\x81";
    HttpResponseHead h;
    REQUIRE(scan_http_response(r, h) == HttpScan::Done);
    REQUIRE(h.status == 101);
    REQUIRE(h.header_bytes == r.size() - 1);
    REQUIRE(header_value(h.head, "Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    REQUIRE(header_value(h.head, "X-Missing") == "");
    for (std::size_t cut = 0; cut < h.header_bytes; ++cut) {
        REQUIRE(scan_http_response(std::string_view(r).substr(0, cut), h) == HttpScan::NeedMore);
    }
}

TEST_CASE("http_reply_scan: Content-Length, Connection: close and chunked are read",
          "[bench][http]") {
    HttpResponseHead h;
    REQUIRE(scan_http_response(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", h) ==
            HttpScan::Done);
    REQUIRE(h.status == 200);
    REQUIRE(h.content_length == 2);
    REQUIRE(h.close);
    REQUIRE_FALSE(h.chunked);
    REQUIRE(scan_http_response("HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n",
                               h) == HttpScan::Done);
    REQUIRE(h.status == 401);
    REQUIRE(h.chunked);
}

TEST_CASE("http_reply_scan: malformed status lines and lengths are errors", "[bench][http]") {
    HttpResponseHead h;
    REQUIRE(scan_http_response("SSH-2.0-OpenSSH\r\n\r\n", h) == HttpScan::Error);
    REQUIRE(scan_http_response("HTTP/1.1 2x0 OK\r\n\r\n", h) == HttpScan::Error);
    REQUIRE(scan_http_response("HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\n", h) ==
            HttpScan::Error);
    REQUIRE(scan_http_response(std::string(20000, 'x'), h) == HttpScan::Error);
}

TEST_CASE("http_reply_scan: a chunked body's length is found only once it is complete",
          "[bench][http]") {
    const std::string body = "5\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\nNEXT";
    std::size_t len = 0;
    REQUIRE(scan_chunked_body(body, len) == HttpScan::Done);
    REQUIRE(len == body.size() - 4);
    for (std::size_t cut = 0; cut < body.size() - 4; ++cut) {
        REQUIRE(scan_chunked_body(std::string_view(body).substr(0, cut), len) ==
                HttpScan::NeedMore);
    }
    REQUIRE(scan_chunked_body("zz\r\n", len) == HttpScan::Error);
    REQUIRE(scan_chunked_body("2\r\nabc\r\n", len) == HttpScan::Error);
}
