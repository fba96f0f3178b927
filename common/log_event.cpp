// SPDX-License-Identifier: MIT
#include "common/log_event.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace shoal::common {
namespace {

struct Buf {
    char* out;
    std::size_t cap;
    std::size_t n = 0;
    bool ok = true;
    void put(std::string_view s) {
        if (!ok || n + s.size() > cap) {
            ok = false;
            return;
        }
        std::memcpy(out + n, s.data(), s.size());
        n += s.size();
    }
    void quoted(std::string_view s) {
        put("\"");
        for (unsigned char c : s) {
            char esc[8];
            if (c == '"' || c == '\\') {
                esc[0] = '\\';
                esc[1] = static_cast<char>(c);
                put({esc, 2});
            } else if (c < 0x20) {
                int len = std::snprintf(esc, sizeof esc, "\\u%04x", c);
                put({esc, static_cast<std::size_t>(len)});
            } else {
                esc[0] = static_cast<char>(c);
                put({esc, 1});
            }
        }
        put("\"");
    }
};

}  // namespace

std::size_t render_event_fields(char* out, std::size_t cap, std::string_view event,
                                std::initializer_list<LogField> fields) noexcept {
    Buf b{out, cap};
    b.put("\"event\":");
    b.quoted(event);
    for (const LogField& f : fields) {
        b.put(",");
        b.quoted(f.key);
        b.put(":");
        if (f.kind == LogField::Kind::Str) {
            b.quoted(f.str);
        } else if (f.kind == LogField::Kind::Int) {
            char num[24];
            int len = std::snprintf(num, sizeof num, "%lld", static_cast<long long>(f.num));
            b.put({num, static_cast<std::size_t>(len)});
        } else if (f.kind == LogField::Kind::Bool) {
            b.put(f.num ? "true" : "false");
        } else {
            b.put("null");
        }
    }
    return b.ok ? b.n : 0;
}

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields,
               const char* fmt, ...) noexcept {
    if (!log_enabled(level)) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    const std::size_t len =
        static_cast<std::size_t>(n) < sizeof msg ? static_cast<std::size_t>(n) : sizeof msg - 1;
    char json[768];
    std::size_t jn = 0;
    if (log_config().format == LogFormat::Json)
        jn = render_event_fields(json, sizeof json, event, fields);
    log_write_fields(level, {msg, len}, {json, jn});
}

}  // namespace shoal::common
