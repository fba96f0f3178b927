// SPDX-License-Identifier: MIT
// HttpRouter: the worker's one route table. (method, path pattern) -> RouteHandler, path pattern
// -> WsHandler for upgrades, and guards shared by every route under a prefix. Patterns are
// '/'-separated literals, {name} (exactly one non-empty segment) and at most one {name...} (the
// rest: any bytes, '/' included, possibly empty). Matching is pure and allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "worker/net/handler.hpp"

namespace shoal::net {

namespace method_bits {
inline constexpr std::uint8_t kGet = 1, kHead = 2, kPost = 4, kPut = 8, kDelete = 16, kPatch = 32,
                              kOptions = 64, kOther = 128, kAny = 0xFF;
}  // namespace method_bits

// The bit of a request method (kOther for one the table does not name).
std::uint8_t method_bit(std::string_view method) noexcept;

struct RouteMatch {
    enum class Kind : std::uint8_t { Found, WrongMethod, NotFound };
    Kind kind = Kind::NotFound;
    std::uint8_t handler_index = 0;  // Found: the handler's index (route_handler())
    std::uint8_t allow = 0;          // WrongMethod: the methods the path takes
    RouteHandler* handler = nullptr;
    RouteGuard* guard = nullptr;  // the guard whose prefix covers the path, if any
    RouteParams params;           // Found: the route's captures
    RouteParams guard_params;     // the guard prefix's captures
};

struct UpgradeMatch {
    WsHandler* handler = nullptr;  // null: no upgrade route takes the path
    std::uint8_t index = 0;        // the handler's index (ws_handler())
    RouteParams params;
};

class HttpRouter {
  public:
    // Distinct handlers per kind, so a connection names its handler with one byte.
    static constexpr std::size_t kMaxHandlers = 255;

    // method: "GET", "POST", ... or "*" for any; a GET route also takes HEAD (the transport then
    // sends no body). tag comes back as RouteParams::route, so one handler can serve several
    // routes. trailing_slash: "/x/" is taken as "/x". Registration order decides between
    // patterns that both match. Aborts on a malformed pattern (a programming error).
    void add(std::string_view method, std::string_view pattern, RouteHandler& handler,
             std::uint16_t tag = 0, bool trailing_slash = false);
    // An upgrade route; a trailing slash is always taken ("/app/key/").
    void add_upgrade(std::string_view pattern, WsHandler& handler);
    // A guard for every request whose path starts with the prefix's segments.
    void add_guard(std::string_view prefix, RouteGuard& guard);

    RouteMatch match(std::string_view method, std::string_view path) const noexcept;
    UpgradeMatch match_upgrade(std::string_view path) const noexcept;

    // The guard, then the route's handler, or the table's own 405 ({"error":"Use GET"} with an
    // Allow header) or 404 ({"error":"Not found"}).
    Reply dispatch(const RouteMatch& m, ConnId id, const HttpRequest& request,
                   HttpResponse& out) const;

    WsHandler& ws_handler(std::uint8_t index) const noexcept { return *ws_handlers_[index]; }
    RouteHandler& route_handler(std::uint8_t index) const noexcept {
        return *route_handlers_[index];
    }
    std::size_t ws_handler_count() const noexcept { return ws_handlers_.size(); }

  private:
    struct Segment {
        enum class Kind : std::uint8_t { Literal, Param, Rest };
        Kind kind;
        std::uint16_t pos, len;  // the literal or the name, in the pattern's text
    };
    struct Pattern {
        std::string text;
        std::vector<Segment> segments;
        bool trailing_slash = false;
        bool match(std::string_view path, RouteParams& out) const noexcept;
        bool match_prefix(std::string_view path, RouteParams& out) const noexcept;
        std::string_view view(const Segment& s) const noexcept {
            return {text.data() + s.pos, s.len};
        }
    };
    struct Route {
        Pattern pattern;
        std::uint8_t methods;
        std::uint8_t handler_index;
        std::uint16_t tag;
    };
    struct Upgrade {
        Pattern pattern;
        std::uint8_t handler_index;
    };
    struct Guard {
        Pattern prefix;
        RouteGuard* guard;
    };
    static Pattern parse(std::string_view pattern, bool trailing_slash);
    template <class H>
    static std::uint8_t index_of(std::vector<H*>& table, H& handler);

    std::vector<Route> routes_;
    std::vector<Upgrade> upgrades_;
    std::vector<Guard> guards_;
    std::vector<RouteHandler*> route_handlers_;
    std::vector<WsHandler*> ws_handlers_;
};

}  // namespace shoal::net
