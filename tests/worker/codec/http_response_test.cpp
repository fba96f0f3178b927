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
