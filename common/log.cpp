// SPDX-License-Identifier: MIT
#include "common/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "common/assert.hpp"

namespace shoal::common {
namespace {

LogConfig g_config;  // process-wide, set at startup before any loop runs

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::Debug:
            return "debug";
        case LogLevel::Info:
            return "info";
        case LogLevel::Warn:
            return "warn";
        case LogLevel::Error:
            return "error";
    }
    return "info";
}

// Appends s to out as a JSON string body (no quotes), truncating at the buffer's end.
std::size_t append_json_escaped(char* out, std::size_t cap, std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) {
        char esc[8];
        std::size_t len = 1;
        esc[0] = static_cast<char>(c);
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = static_cast<char>(c);
            len = 2;
        } else if (c == '\n') {
            std::memcpy(esc, "\\n", 2);
            len = 2;
        } else if (c < 0x20) {
            len = static_cast<std::size_t>(std::snprintf(esc, sizeof esc, "\\u%04x", c));
        }
        if (n + len >= cap) break;
        std::memcpy(out + n, esc, len);
        n += len;
    }
    return n;
}

void write_all(const char* buf, std::size_t len) {
    while (len > 0) {
        ssize_t w = ::write(STDERR_FILENO, buf, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;  // nowhere left to report a failing stderr
        }
        buf += w;
        len -= static_cast<std::size_t>(w);
    }
}

}  // namespace

void log_configure(const LogConfig& config) noexcept {
    g_config = config;
}
const LogConfig& log_config() noexcept {
    return g_config;
}

bool log_enabled(LogLevel level) noexcept {
    return static_cast<int>(level) >= static_cast<int>(g_config.level);
}

void log_write(LogLevel level, std::string_view message) noexcept {
    log_write_fields(level, message, {});
}

void log_write_fields(LogLevel level, std::string_view message,
                      std::string_view json_fields) noexcept {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc;
    gmtime_r(&ts.tv_sec, &utc);
    char when[40];
    std::size_t wl = std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(when + wl, sizeof when - wl, ".%03ldZ", ts.tv_nsec / 1'000'000);

    char slot[16] = "-";
    if (g_config.slot >= 0) std::snprintf(slot, sizeof slot, "%d", g_config.slot);

    char line[2048];
    std::size_t n = 0;
    if (g_config.format == LogFormat::Json) {
        int head = std::snprintf(line, sizeof line,
                                 "{\"ts\":\"%s\",\"level\":\"%s\",\"role\":\"%s\",\"slot\":%s,"
                                 "\"pid\":%d,\"msg\":\"",
                                 when, level_name(level), g_config.role,
                                 g_config.slot >= 0 ? slot : "null", static_cast<int>(getpid()));
        n = static_cast<std::size_t>(head);
        // Fields that do not fit whole are left out rather than cut (the line stays JSON).
        if (json_fields.size() > sizeof line / 2) json_fields = {};
        n += append_json_escaped(line + n, sizeof line - n - 4 - json_fields.size(), message);
        line[n++] = '"';
        if (!json_fields.empty()) {
            line[n++] = ',';  // already escaped: "key":value pairs from log_event
            std::memcpy(line + n, json_fields.data(), json_fields.size());
            n += json_fields.size();
        }
        line[n++] = '}';
    } else {
        int head =
            std::snprintf(line, sizeof line, "%s %-5s %s slot=%s pid=%d ", when, level_name(level),
                          g_config.role, slot, static_cast<int>(getpid()));
        n = static_cast<std::size_t>(head);
        std::size_t room = sizeof line - n - 1;
        std::size_t len = message.size() < room ? message.size() : room;
        std::memcpy(line + n, message.data(), len);
        n += len;
    }
    line[n++] = '\n';
    write_all(line, n);
}

void log_printf(LogLevel level, const char* fmt, ...) noexcept {
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    std::size_t len =
        static_cast<std::size_t>(n) < sizeof msg ? static_cast<std::size_t>(n) : sizeof msg - 1;
    log_write(level, std::string_view(msg, len));
}

void log_sigsafe(const char* message) noexcept {
    write_all(message, std::strlen(message));
}

bool parse_log_level(std::string_view text, LogLevel& out) noexcept {
    if (text == "debug")
        out = LogLevel::Debug;
    else if (text == "info")
        out = LogLevel::Info;
    else if (text == "warn")
        out = LogLevel::Warn;
    else if (text == "error")
        out = LogLevel::Error;
    else
        return false;
    return true;
}

bool parse_log_format(std::string_view text, LogFormat& out) noexcept {
    if (text == "text")
        out = LogFormat::Text;
    else if (text == "json")
        out = LogFormat::Json;
    else
        return false;
    return true;
}

namespace detail {
void assert_failed(const char* expr, const char* file, int line) noexcept {
    char msg[512];
    std::snprintf(msg, sizeof msg, "assertion failed: %s at %s:%d", expr, file, line);
    log_write(LogLevel::Error, msg);
    std::abort();
}
}  // namespace detail

}  // namespace shoal::common
