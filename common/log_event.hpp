// SPDX-License-Identifier: MIT
// Lifecycle events as structured log lines: the same human message as before in text format,
// and in `--log-format json` one line with a stable `event` name and typed keys beside `msg`
// (the table of events and keys is docs/observability.md). Control path only: it formats.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "common/log.hpp"

namespace shoal::common {

struct LogField {
    enum class Kind : std::uint8_t { Str, Int, Bool, Null };
    std::string_view key;
    Kind kind = Kind::Null;
    std::string_view str;
    std::int64_t num = 0;
};

inline LogField field(std::string_view key, std::string_view value) noexcept {
    return {key, LogField::Kind::Str, value, 0};
}
inline LogField field(std::string_view key, const char* value) noexcept {
    return value ? field(key, std::string_view(value)) : LogField{key, LogField::Kind::Null, {}, 0};
}
inline LogField field(std::string_view key, bool value) noexcept {
    return {key, LogField::Kind::Bool, {}, value ? 1 : 0};
}
template <std::integral T>
requires(!std::same_as<T, bool>) LogField field(std::string_view key, T value)
noexcept {
    return {key, LogField::Kind::Int, {}, static_cast<std::int64_t>(value)};
}
inline LogField null_field(std::string_view key) noexcept {
    return {key, LogField::Kind::Null, {}, 0};
}

// Renders `"event":"<event>","k":v,...` into out (JSON-escaped); returns its length, 0 when it
// does not fit. Pure, for tests and log_event.
std::size_t render_event_fields(char* out, std::size_t cap, std::string_view event,
                                std::initializer_list<LogField> fields) noexcept;

// Logs fmt's message at level, with the event and its fields in JSON format.
void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields,
               const char* fmt, ...) noexcept __attribute__((format(printf, 4, 5)));

}  // namespace shoal::common
