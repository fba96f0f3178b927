// SPDX-License-Identifier: MIT
// Pattern parsing at registration, segment-by-segment matching over the request path (views, no
// copies), and the table's own 404/405 answers.
#include "worker/net/http_router.hpp"

#include <algorithm>

#include "common/assert.hpp"
#include "worker/codec/http_request_parser.hpp"

namespace shoal::net {
namespace {

// Takes the segment after rest's leading '/', or false when rest does not start with one.
bool next_segment(std::string_view& rest, std::string_view& segment) noexcept {
    if (rest.empty() || rest.front() != '/') return false;
    rest.remove_prefix(1);
    segment = rest.substr(0, rest.find('/'));
    rest.remove_prefix(segment.size());
    return true;
}

bool capture(RouteParams& out, std::string_view name, std::string_view value) noexcept {
    if (out.count == RouteParams::kMax) return false;
    out.names[out.count] = name;
    out.values[out.count] = value;
    ++out.count;
    return true;
}

bool takes(std::uint8_t route_methods, std::uint8_t request_bit) noexcept {
    if (route_methods & request_bit) return true;
    return request_bit == method_bits::kHead && (route_methods & method_bits::kGet);
}

constexpr std::pair<std::uint8_t, std::string_view> kMethodNames[] = {
    {method_bits::kGet, "GET"},        {method_bits::kHead, "HEAD"},
    {method_bits::kPost, "POST"},      {method_bits::kPut, "PUT"},
    {method_bits::kDelete, "DELETE"},  {method_bits::kPatch, "PATCH"},
    {method_bits::kOptions, "OPTIONS"}};

void wrong_method(std::uint8_t allow, HttpResponse& out) {
    out.status = 405;
    out.content_type = "application/json";
    out.body = R"({"error":"Use )";
    out.headers = "Allow: ";
    bool first_use = true, first_allow = true;
    for (const auto& [bit, name] : kMethodNames) {
        if (!(allow & bit)) continue;
        out.headers += first_allow ? "" : ", ";
        out.headers += name;
        first_allow = false;
        if (bit == method_bits::kHead) continue;  // implied by GET
        out.body += first_use ? "" : " or ";
        out.body += name;
        first_use = false;
    }
    out.body += "\"}";
    out.headers += "\r\n";
}

}  // namespace

std::uint8_t method_bit(std::string_view method) noexcept {
    for (const auto& [bit, name] : kMethodNames)
        if (method == name) return bit;
    return method_bits::kOther;
}

HttpRouter::Pattern HttpRouter::parse(std::string_view text, bool trailing_slash) {
    SHOAL_ASSERT(!text.empty() && text.front() == '/');
    Pattern p;
    p.text = std::string(text);
    p.trailing_slash = trailing_slash;
    std::string_view rest = text == "/" ? std::string_view{} : text;
    std::size_t params = 0;
    bool has_rest = false;
    std::string_view seg;
    while (next_segment(rest, seg)) {
        SHOAL_ASSERT(!seg.empty());
        const auto pos = static_cast<std::uint16_t>(seg.data() - text.data());
        Segment s{Segment::Kind::Literal, pos, static_cast<std::uint16_t>(seg.size())};
        if (seg.front() == '{') {
            SHOAL_ASSERT(seg.back() == '}' && seg.size() > 2);
            s.pos = static_cast<std::uint16_t>(pos + 1);
            s.len = static_cast<std::uint16_t>(seg.size() - 2);
            s.kind = Segment::Kind::Param;
            if (seg.ends_with("...}")) {
                SHOAL_ASSERT(!has_rest && seg.size() > 5);
                has_rest = true;
                s.kind = Segment::Kind::Rest;
                s.len = static_cast<std::uint16_t>(s.len - 3);
            }
            SHOAL_ASSERT(++params <= RouteParams::kMax);
        }
        p.segments.push_back(s);
    }
    return p;
}

bool HttpRouter::Pattern::match(std::string_view path, RouteParams& out) const noexcept {
    if (path.empty() || path.front() != '/') return false;
    if (trailing_slash && path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    out.count = 0;
    std::string_view rest = path;
    std::size_t i = 0;
    auto take = [&](const Segment& s, std::string_view seg) {
        if (s.kind == Segment::Kind::Literal) return seg == view(s);
        return !seg.empty() && capture(out, view(s), seg);
    };
    for (; i < segments.size() && segments[i].kind != Segment::Kind::Rest; ++i) {
        std::string_view seg;
        if (!next_segment(rest, seg) || !take(segments[i], seg)) return false;
    }
    if (i == segments.size()) return rest.empty() || (segments.empty() && rest == "/");
    // A rest: the segments after it match the path's tail, the rest takes what lies between.
    if (rest.empty() || rest.front() != '/') return false;
    rest.remove_prefix(1);
    for (std::size_t j = segments.size(); j-- > i + 1;) {
        const std::size_t slash = rest.rfind('/');
        if (slash == std::string_view::npos || !take(segments[j], rest.substr(slash + 1)))
            return false;
        rest = rest.substr(0, slash);
    }
    return capture(out, view(segments[i]), rest);
}

bool HttpRouter::Pattern::match_prefix(std::string_view path, RouteParams& out) const noexcept {
    out.count = 0;
    std::string_view rest = path, seg;
    for (const Segment& s : segments) {
        if (!next_segment(rest, seg)) return false;
        if (s.kind == Segment::Kind::Literal ? seg != view(s)
                                             : (seg.empty() || !capture(out, view(s), seg)))
            return false;
    }
    return true;  // what is left is empty or starts with '/'
}

template <class H>
std::uint8_t HttpRouter::index_of(std::vector<H*>& table, H& handler) {
    auto it = std::find(table.begin(), table.end(), &handler);
    if (it != table.end()) return static_cast<std::uint8_t>(it - table.begin());
    SHOAL_ASSERT(table.size() < kMaxHandlers);
    table.push_back(&handler);
    return static_cast<std::uint8_t>(table.size() - 1);
}

void HttpRouter::add(std::string_view method, std::string_view pattern, RouteHandler& handler,
                     std::uint16_t tag, bool trailing_slash) {
    const std::uint8_t bits = method == "*" ? method_bits::kAny : method_bit(method);
    SHOAL_ASSERT(bits != method_bits::kOther);
    const std::uint8_t index = index_of(route_handlers_, handler);
    routes_.push_back(Route{parse(pattern, trailing_slash), bits, index, tag});
}

void HttpRouter::add_upgrade(std::string_view pattern, WsHandler& handler) {
    const std::uint8_t index = index_of(ws_handlers_, handler);
    upgrades_.push_back(Upgrade{parse(pattern, true), index});
}

void HttpRouter::add_guard(std::string_view prefix, RouteGuard& guard) {
    Pattern p = parse(prefix, false);
    for (const Segment& s : p.segments)
        SHOAL_ASSERT(s.kind != Segment::Kind::Rest);
    guards_.push_back(Guard{std::move(p), &guard});
}

RouteMatch HttpRouter::match(std::string_view method, std::string_view path) const noexcept {
    RouteMatch m;
    for (const Guard& g : guards_) {
        if (g.prefix.match_prefix(path, m.guard_params)) {
            m.guard = g.guard;
            break;
        }
    }
    const std::uint8_t bit = method_bit(method);
    std::uint8_t allow = 0;
    for (const Route& r : routes_) {
        if (!r.pattern.match(path, m.params)) continue;
        if (takes(r.methods, bit)) {
            m.kind = RouteMatch::Kind::Found;
            m.handler_index = r.handler_index;
            m.handler = route_handlers_[r.handler_index];
            m.params.route = r.tag;
            return m;
        }
        allow |= r.methods;
    }
    m.params = {};
    if (allow & method_bits::kGet) allow |= method_bits::kHead;
    m.allow = allow;
    m.kind = allow ? RouteMatch::Kind::WrongMethod : RouteMatch::Kind::NotFound;
    return m;
}

UpgradeMatch HttpRouter::match_upgrade(std::string_view path) const noexcept {
    UpgradeMatch m;
    for (const Upgrade& u : upgrades_) {
        if (!u.pattern.match(path, m.params)) continue;
        m.handler = ws_handlers_[u.handler_index];
        m.index = u.handler_index;
        return m;
    }
    m.params = {};
    return m;
}

Reply HttpRouter::dispatch(const RouteMatch& m, ConnId id, const HttpRequest& request,
                           HttpResponse& out) const {
    if (m.guard && !m.guard->admit(request, m.guard_params, out)) return Reply::Now;
    switch (m.kind) {
        case RouteMatch::Kind::Found:
            return m.handler->on_request(id, request, m.params, out);
        case RouteMatch::Kind::WrongMethod:
            wrong_method(m.allow, out);
            return Reply::Now;
        case RouteMatch::Kind::NotFound:
            break;
    }
    out.status = 404;
    out.content_type = "application/json";
    out.body = R"({"error":"Not found"})";
    return Reply::Now;
}

}  // namespace shoal::net

namespace shoal::net {

std::string_view header_of(const HttpRequest& request, std::string_view name) noexcept {
    for (const Header& h : request.headers)
        if (codec::iequals(h.name, name)) return h.value;
    return {};
}

}  // namespace shoal::net
