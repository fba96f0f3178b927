// SPDX-License-Identifier: MIT
// JSON string literals for the hand-written encoders of both protocols: runs of bytes that need no
// escape are appended in one piece, so a typical channel name or event costs one append.
#include "worker/codec/json_text.hpp"

namespace shoal::codec {

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;  // start of the pending run of bytes that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        out.push_back('\\');
        switch (c) {
            case '"':
                out.push_back('"');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '\n':
                out.push_back('n');
                break;
            case '\r':
                out.push_back('r');
                break;
            case '\t':
                out.push_back('t');
                break;
            case '\b':
                out.push_back('b');
                break;
            case '\f':
                out.push_back('f');
                break;
            default:
                out.append("u00");
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0xf]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

namespace {

// The value of the 4 hex digits at p, or -1.
int hex4(const char* p) noexcept {
    int v = 0;
    for (int k = 0; k < 4; ++k) {
        const char c = p[k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

}  // namespace

JsonScan scan_json_text(std::string_view text, unsigned max_depth) noexcept {
    unsigned depth = 0;
    bool in_string = false;
    bool after_high = false;  // the previous string element was an escaped high surrogate
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                const int v = i + 5 < text.size() && text[i + 1] == 'u' ? hex4(&text[i + 2]) : -1;
                if (v >= 0) {
                    if (v >= 0xDC00 && v <= 0xDFFF && !after_high) return JsonScan::LoneSurrogate;
                    after_high = v >= 0xD800 && v <= 0xDBFF;
                    i += 5;
                    continue;
                }
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
            after_high = false;
        } else if (c == '"') {
            in_string = true;
            after_high = false;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) return JsonScan::TooDeep;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return JsonScan::Ok;
}

}  // namespace shoal::codec
