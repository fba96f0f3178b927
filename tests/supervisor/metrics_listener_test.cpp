// SPDX-License-Identifier: MIT
// The --metrics-port listener's answers (pure): GET and HEAD /metrics, a query string, other
// paths and methods, a malformed request line. The live listener is scraped with promtool in
// tests/integration/metrics.test.mjs.
#include "supervisor/metrics_listener.hpp"

#include <catch2/catch.hpp>

using namespace shoal;

namespace {
const sup::MetricsListener::Render kBody = [] { return std::string("shoal_up 1\n"); };
bool starts(const std::string& s, std::string_view p) {
    return s.rfind(p, 0) == 0;
}
}  // namespace

TEST_CASE("metrics listener: GET /metrics answers the exposition, HEAD only its headers",
          "[supervisor][metrics]") {
    auto r = sup::metrics_http_response("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", kBody);
    REQUIRE(starts(r, "HTTP/1.1 200 OK\r\n"));
    REQUIRE(r.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
    REQUIRE(r.find("Content-Length: 11\r\n") != std::string::npos);
    REQUIRE(r.find("Connection: close\r\n") != std::string::npos);
    REQUIRE(r.ends_with("\r\n\r\nshoal_up 1\n"));
    auto q = sup::metrics_http_response("GET /metrics?x=1 HTTP/1.0\r\n\r\n", kBody);
    REQUIRE(starts(q, "HTTP/1.1 200 OK\r\n"));
    auto h = sup::metrics_http_response("HEAD /metrics HTTP/1.1\r\n\r\n", kBody);
    REQUIRE(starts(h, "HTTP/1.1 200 OK\r\n"));
    REQUIRE(h.ends_with("\r\n\r\n"));
}

TEST_CASE("metrics listener: other paths 404, other methods 405, garbage 400",
          "[supervisor][metrics]") {
    REQUIRE(
        starts(sup::metrics_http_response("GET /status HTTP/1.1\r\n\r\n", kBody), "HTTP/1.1 404 "));
    REQUIRE(starts(sup::metrics_http_response("POST /metrics HTTP/1.1\r\n\r\n", kBody),
                   "HTTP/1.1 405 "));
    REQUIRE(starts(sup::metrics_http_response("hello\r\n\r\n", kBody), "HTTP/1.1 400 "));
    REQUIRE(
        starts(sup::metrics_http_response("GET /metrics SMTP\r\n\r\n", kBody), "HTTP/1.1 400 "));
}
