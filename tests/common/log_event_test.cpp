// SPDX-License-Identifier: MIT
// test-links: shoal_common shoal_dep_rapidjson
// Structured lifecycle events: the JSON fields (escaped, typed, null), the whole JSON line with
// `event` beside `msg`, and the unchanged text line.
#include "common/log_event.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

using namespace shoal;

namespace {

// Runs f with stderr sent to a temporary file; returns what was written.
template <class F>
std::string capture_stderr(F&& f) {
    char path[] = "/tmp/shoal-log-event-XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    int saved = ::dup(STDERR_FILENO);
    ::dup2(fd, STDERR_FILENO);
    f();
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::string out;
    ::lseek(fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
        out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    ::unlink(path);
    return out;
}

}  // namespace

TEST_CASE("log_event: fields render typed and escaped after the event name", "[common][log]") {
    char out[256];
    std::size_t n = common::render_event_fields(
        out, sizeof out, "worker_exit",
        {common::field("worker_pid", 42), common::field("signal_name", "KI\"LL"),
         common::null_field("exit_code"), common::field("expected", false)});
    REQUIRE(std::string(out, n) ==
            R"("event":"worker_exit","worker_pid":42,"signal_name":"KI\"LL","exit_code":null,)"
            R"("expected":false)");
    REQUIRE(common::render_event_fields(out, 8, "worker_exit", {}) == 0);  // does not fit
}

TEST_CASE("log_event: a JSON line carries event and fields beside msg; text is the message",
          "[common][log]") {
    const common::LogConfig saved = common::log_config();
    common::log_configure({common::LogLevel::Info, common::LogFormat::Json, "supervisor", 3});
    std::string json = capture_stderr([] {
        common::log_event(common::LogLevel::Warn, "breaker_transition",
                          {common::field("from", "closed"), common::field("to", "open")},
                          "breaker %s -> open: slot=%u", "closed", 3u);
    });
    common::log_configure({common::LogLevel::Info, common::LogFormat::Text, "supervisor", 3});
    std::string text = capture_stderr([] {
        common::log_event(common::LogLevel::Info, "worker_up", {common::field("epoch", 2)},
                          "worker up: slot=%u", 3u);
    });
    common::log_configure(saved);

    rapidjson::Document d;
    d.Parse(json.c_str());
    REQUIRE_FALSE(d.HasParseError());
    REQUIRE(std::string(d["event"].GetString()) == "breaker_transition");
    REQUIRE(std::string(d["from"].GetString()) == "closed");
    REQUIRE(std::string(d["to"].GetString()) == "open");
    REQUIRE(std::string(d["level"].GetString()) == "warn");
    REQUIRE(d["slot"].GetInt() == 3);
    REQUIRE(std::string(d["msg"].GetString()) == "breaker closed -> open: slot=3");
    REQUIRE(text.find("worker up: slot=3\n") != std::string::npos);
    REQUIRE(text.find("event") == std::string::npos);
}
