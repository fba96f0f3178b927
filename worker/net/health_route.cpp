// SPDX-License-Identifier: MIT
#include "worker/net/health_route.hpp"

#include "worker/net/server.hpp"

namespace shoal::net {

void HealthRoute::add_to(HttpRouter& router) {
    router.add("*", "/", *this, kRoot);
    router.add("*", "/ready", *this, kReady);
}

Reply HealthRoute::on_request(ConnId, const HttpRequest& request, const RouteParams& params,
                              HttpResponse& out) {
    out.content_type = "application/json";
    if (request.method != "GET" && request.method != "HEAD") {
        out.status = 405;
        out.body = R"({"error":"method not allowed"})";
        out.close = true;
        return Reply::Now;
    }
    if (params.route == kRoot) {
        out.body = R"({"name":"shoal","status":"ok"})";
    } else if (server_.shutting_down()) {
        out.status = 503;
        out.body = R"({"ready":false})";
    } else {
        out.body = R"({"ready":true})";
    }
    return Reply::Now;
}

}  // namespace shoal::net
