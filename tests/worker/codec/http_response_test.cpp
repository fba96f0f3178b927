// SPDX-License-Identifier: MIT
#include "worker/codec/http_response.hpp"

#include <catch2/catch.hpp>

using namespace shoal::codec;

TEST_CASE("format_http_response: status line, length, connection and extra headers",
          "[worker][codec]") {
    const std::string r =
        format_http_response(426, "application/json", "{}", false, "Sec-WebSocket-Version: 13\r\n");
    REQUIRE(r.rfind("HTTP/1.1 426 Upgrade Required\r\n", 0) == 0);
    REQUIRE(r.find("Content-Length: 2\r\n") != std::string::npos);
    REQUIRE(r.find("Connection: close\r\n") != std::string::npos);
    REQUIRE(r.find("Sec-WebSocket-Version: 13\r\n\r\n{}") != std::string::npos);
    REQUIRE(format_http_response(200, "", "", true).find("keep-alive") != std::string::npos);
    REQUIRE(std::string(http_reason(431)) == "Request Header Fields Too Large");
}

TEST_CASE("http stream: a chunked head, chunks sized in hex, and the last chunk",
          "[worker][codec]") {
    const std::string head = format_http_stream_head(200, "text/event-stream", true);
    REQUIRE(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    REQUIRE(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    REQUIRE(head.find("Content-Length") == std::string::npos);
    REQUIRE(head.find("Content-Type: text/event-stream\r\n") != std::string::npos);
    REQUIRE(head.ends_with("Connection: keep-alive\r\n\r\n"));
    REQUIRE(encode_http_chunk("hello") == "5\r\nhello\r\n");
    REQUIRE(encode_http_chunk(std::string(26, 'x')) == "1a\r\n" + std::string(26, 'x') + "\r\n");
    REQUIRE(encode_http_chunk("").empty());  // an empty chunk would end the body
    REQUIRE(kHttpLastChunk == "0\r\n\r\n");
}
