// SPDX-License-Identifier: MIT
// One line per event with time, level, role, slot and pid, as text or JSON. Each line is written
// with a single write(2) so lines from several processes sharing stderr never interleave.
#pragma once

#include <string_view>

namespace shoal::common {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class LogFormat { Text, Json };

struct LogConfig {
    LogLevel level = LogLevel::Info;
    LogFormat format = LogFormat::Text;
    const char* role = "shoal";  // "supervisor", "worker", ... (static storage)
    int slot = -1;               // -1: not a worker
};

// Called once at process start (and again in a child after it learns its slot).
void log_configure(const LogConfig& config) noexcept;
const LogConfig& log_config() noexcept;

bool log_enabled(LogLevel level) noexcept;
void log_write(LogLevel level, std::string_view message) noexcept;
// json_fields: `"key":value,...` pairs appended to a JSON line (ignored in text format); see
// common/log_event.hpp, which builds them.
void log_write_fields(LogLevel level, std::string_view message,
                      std::string_view json_fields) noexcept;
void log_printf(LogLevel level, const char* fmt, ...) noexcept
    __attribute__((format(printf, 2, 3)));

// Async-signal-safe: only write(2) of a fixed message, for SIGSEGV/SIGABRT handlers.
void log_sigsafe(const char* message) noexcept;

bool parse_log_level(std::string_view text, LogLevel& out) noexcept;
bool parse_log_format(std::string_view text, LogFormat& out) noexcept;

}  // namespace shoal::common

#define SHOAL_LOG(level, ...)                                                                     \
    do {                                                                                          \
        if (::shoal::common::log_enabled(level)) ::shoal::common::log_printf(level, __VA_ARGS__); \
    } while (0)
#define SHOAL_DEBUG(...) SHOAL_LOG(::shoal::common::LogLevel::Debug, __VA_ARGS__)
#define SHOAL_INFO(...) SHOAL_LOG(::shoal::common::LogLevel::Info, __VA_ARGS__)
#define SHOAL_WARN(...) SHOAL_LOG(::shoal::common::LogLevel::Warn, __VA_ARGS__)
#define SHOAL_ERROR(...) SHOAL_LOG(::shoal::common::LogLevel::Error, __VA_ARGS__)
