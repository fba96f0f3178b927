// SPDX-License-Identifier: MIT
#include "common/log.hpp"

#include <unistd.h>

#include <string>

#include <catch2/catch.hpp>

namespace {

// Runs fn with stderr redirected into a pipe and returns what it wrote.
template <class Fn>
std::string capture_stderr(Fn fn) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    int saved = dup(STDERR_FILENO);
    dup2(fds[1], STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
        out.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    return out;
}

}  // namespace

using namespace shoal::common;

TEST_CASE("log: a text line carries level, role, slot and pid", "[common]") {
    log_configure({LogLevel::Info, LogFormat::Text, "worker", 3});
    std::string out = capture_stderr([] { SHOAL_INFO("listening on %d", 6001); });
    REQUIRE(out.find("info  worker slot=3 pid=" + std::to_string(getpid())) != std::string::npos);
    REQUIRE(out.find("listening on 6001\n") != std::string::npos);
}

TEST_CASE("log: JSON lines escape the message", "[common]") {
    log_configure({LogLevel::Info, LogFormat::Json, "supervisor", -1});
    std::string out = capture_stderr([] { SHOAL_WARN("bad \"name\"\n"); });
    REQUIRE(out.find("\"level\":\"warn\"") != std::string::npos);
    REQUIRE(out.find("\"slot\":null") != std::string::npos);
    REQUIRE(out.find("\"msg\":\"bad \\\"name\\\"\\n\"}") != std::string::npos);
}

TEST_CASE("log: lines below the level are dropped", "[common]") {
    log_configure({LogLevel::Warn, LogFormat::Text, "worker", 0});
    std::string out = capture_stderr([] { SHOAL_INFO("hidden"); });
    REQUIRE(out.empty());
    log_configure({});
}
