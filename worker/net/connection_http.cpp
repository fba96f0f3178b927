// SPDX-License-Identifier: MIT
// The HTTP side of a Connection: requests read incrementally (pipelined or split anywhere),
// health checks answered here, upgrades validated and handed to the WsHandler, the rest to the
// HttpHandler. Each HTTP error has one status, from protocol_errors.hpp.
#include <string>

#include "common/log.hpp"
#include "worker/codec/http_response.hpp"
#include "worker/codec/ws_handshake.hpp"
#include "worker/net/connection.hpp"
#include "worker/net/server.hpp"

namespace shoal::net {

void Connection::on_http_bytes(char* data, std::size_t len) {
    while (len > 0 && state_ == ConnState::Http) {
        std::size_t used = 0;
        const codec::HttpParseState st = http_->feed({data, len}, used);
        data += used, len -= used;
        if (st == codec::HttpParseState::NeedMore) return;
        if (st == codec::HttpParseState::Error) {
            respond_error(http_->error());
            return;
        }
        if (!handle_request(data, len)) return;
    }
}

HttpRequest Connection::request_view() {
    const codec::ParsedRequest& r = http_->request();
    auto& headers = server_.scratch_headers_;
    headers.clear();
    for (const auto& h : r.headers)
        headers.push_back(Header{h.name, h.value});
    return HttpRequest{r.method, r.path, r.query, headers, r.body};
}

bool Connection::handle_request(char* rest, std::size_t rest_len) {
    const codec::ParsedRequest& r = http_->request();
    keep_alive_ = r.keep_alive && !server_.shutting_down();
    const codec::UpgradeCheck up = codec::check_ws_upgrade(r);
    if (up.is_upgrade) {
        if (up.error != codec::ProtocolError::None) {
            respond_error(up.error);
            return false;
        }
        if (server_.shutting_down()) {
            respond_error(codec::ProtocolError::HttpOverCapacity);
            return false;
        }
        const HttpRequest request = request_view();
        const UpgradeDecision d = server_.ws_->on_upgrade(request);
        if (!d.accept) {
            keep_alive_ = false;
            respond(d.refuse_status, "application/json", R"({"error":"upgrade refused"})");
            begin_closing();
            return false;
        }
        upgrade(up.key, request);
        if (state_ == ConnState::Ws && rest_len > 0) on_ws_bytes(rest, rest_len);
        return false;
    }
    const bool head = r.method == "HEAD";
    if (r.path == "/" || r.path == "/ready") {
        if (r.method != "GET" && !head) {
            respond_error(codec::ProtocolError::HttpMethodNotAllowed);
            return false;
        }
        const bool ready = r.path == "/" || !server_.shutting_down();
        std::string body = r.path == "/" ? R"({"name":"shoal","status":"ok"})"
                                         : (ready ? R"({"ready":true})" : R"({"ready":false})");
        respond(ready ? 200 : 503, "application/json", head ? std::string_view{} : body);
    } else {
        const HttpResponse resp = server_.http_->on_request(request_view());
        respond(resp.status, resp.content_type, head ? std::string_view{} : resp.body);
    }
    if (!keep_alive_) {
        begin_closing();
        return false;
    }
    http_->reset();
    start_http_timer();
    return true;
}

void Connection::upgrade(std::string_view key, const HttpRequest& request) {
    queue(SharedFrame::make_raw(codec::ws_upgrade_response(key)));
    if (state_ != ConnState::Http) return;  // the 101 could not even be queued
    state_ = ConnState::Ws;
    ws_opened_ = true;
    server_.counters_.add(common::Counter::WebsocketsOpened);
    server_.ws_->on_open(id_, request);
    // The request's views die here; the connection now keeps no HTTP parser at all.
    http_.reset();
    if (state_ != ConnState::Ws) return;
    server_.disarm_timeout(*this);
    start_idle_timer();
}

void Connection::respond(int status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers) {
    // Every HTTP answer passes here (the API, health, errors): counted by status class.
    if (status >= 200 && status < 300) server_.counters_.add(common::Counter::HttpResponses2xx);
    if (status >= 400 && status < 500) server_.counters_.add(common::Counter::HttpResponses4xx);
    if (status >= 500 && status < 600) server_.counters_.add(common::Counter::HttpResponses5xx);
    queue(SharedFrame::make_raw(
        codec::format_http_response(status, content_type, body, keep_alive_, extra_headers)));
}

void Connection::respond_error(codec::ProtocolError e) {
    const codec::ErrorAnswer a = codec::answer(e);
    if (e != codec::ProtocolError::HttpOverCapacity) {
        server_.counters_.add(common::Counter::ProtocolErrors);
        server_.log_peer(id_, a.text);
    }
    keep_alive_ = false;
    std::string body = R"({"error":")";
    body += a.text;
    body += "\"}";
    respond(a.http_status, "application/json", body,
            e == codec::ProtocolError::HttpBadWsVersion ? "Sec-WebSocket-Version: 13\r\n" : "");
    begin_closing();
}

void Connection::refuse(codec::ProtocolError e) {
    respond_error(e);
}

void Connection::close_idle_http() {
    if (state_ != ConnState::Http) return;
    if (!http_->started()) {
        begin_closing();
    } else {
        keep_alive_ = false;  // the request in progress is answered, then the connection closes
    }
}

}  // namespace shoal::net
