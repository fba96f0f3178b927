// SPDX-License-Identifier: MIT
// The HTTP side of a Connection: requests read incrementally (pipelined or split anywhere),
// upgrades validated and handed to the route table's WsHandler, the rest dispatched through the
// route table. Each HTTP error has one status, from protocol_errors.hpp.
#include <string>

#include "common/log.hpp"
#include "worker/codec/http_response.hpp"
#include "worker/codec/ws_extensions.hpp"
#include "worker/codec/ws_handshake.hpp"
#include "worker/net/connection.hpp"
#include "worker/net/http_router.hpp"
#include "worker/net/server.hpp"

namespace shoal::net {

void Connection::on_http_bytes(char* data, std::size_t len) {
    while (len > 0 && state_ == ConnState::Http) {
        if (hold_ != HttpHold::None) {
            // Kept, unparsed, until the held request is answered; bounded like one request.
            std::string& kept = http_->held_input;
            const auto& l = server_.config_.limits;
            if (kept.size() + len > std::size_t{l.max_header_bytes} + l.max_http_body_bytes) {
                server_.counters_.add(common::Counter::ProtocolErrors);
                server_.log_peer(id_, codec::answer(codec::ProtocolError::HttpHeaderTooLarge).text);
                destroy();
                return;
            }
            kept.append(data, len);
            return;
        }
        std::size_t used = 0;
        const codec::HttpParseState st = http_->parser.feed({data, len}, used);
        data += used, len -= used;
        if (st == codec::HttpParseState::NeedMore) return;
        if (st == codec::HttpParseState::Error) {
            respond_error(http_->parser.error());
            return;
        }
        if (!handle_request(data, len)) return;
    }
}

HttpRequest Connection::request_view() {
    const codec::ParsedRequest& r = http_->parser.request();
    auto& headers = server_.scratch_headers_;
    headers.clear();
    for (const auto& h : r.headers)
        headers.push_back(Header{h.name, h.value});
    return HttpRequest{r.method, r.path, r.query, headers, r.body};
}

bool Connection::handle_request(char* rest, std::size_t rest_len) {
    const codec::ParsedRequest& r = http_->parser.request();
    keep_alive_ = r.keep_alive && !server_.shutting_down();
    const HttpRouter& router = *server_.router_;
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
        const UpgradeMatch route = router.match_upgrade(request.path);
        const UpgradeDecision d =
            route.handler ? route.handler->on_upgrade(request) : UpgradeDecision{false, 404};
        if (!d.accept) {
            keep_alive_ = false;
            respond(d.refuse_status, "application/json", R"({"error":"upgrade refused"})");
            begin_closing();
            return false;
        }
        handler_index_ = route.index;
        upgrade(up.key, request);
        if (state_ == ConnState::Ws && rest_len > 0) on_ws_bytes(rest, rest_len);
        return false;
    }
    const RouteMatch route = router.match(r.method, r.path);
    // Held until the handler returns: it may already respond or begin a stream with this id.
    handler_index_ = route.handler_index;
    head_request_ = r.method == "HEAD";
    hold_ = HttpHold::Held;
    HttpResponse out;
    const Reply reply = router.dispatch(route, id_, request_view(), out);
    if (reply != Reply::Now) {
        // Answered later (or already, from inside the handler: finish_held ran). No timer cuts
        // a held request: its handler owns the timeout.
        if (holds_request() && state_ == ConnState::Http) server_.disarm_timeout(*this);
        return state_ == ConnState::Http;
    }
    hold_ = HttpHold::None;
    answer(out);
    if (!keep_alive_) {
        begin_closing();
        return false;
    }
    http_->parser.reset();
    start_http_timer();
    return true;
}

void Connection::answer(const HttpResponse& out) {
    if (out.close) keep_alive_ = false;
    respond(out.status, out.content_type, head_request_ ? std::string_view{} : out.body,
            out.headers);
}

void Connection::upgrade(std::string_view key, const HttpRequest& request) {
    queue(SharedFrame::make_raw(codec::ws_upgrade_response(key, agree_deflate())));
    if (state_ != ConnState::Http) return;  // the 101 could not even be queued
    state_ = ConnState::Ws;
    ws_opened_ = true;
    server_.counters_.add(common::Counter::WebsocketsOpened);
    ws_handler().on_open(id_, request);
    // The request's views die here; the connection now keeps no HTTP parser at all.
    http_.reset();
    if (state_ != ConnState::Ws) return;
    server_.disarm_timeout(*this);
    start_idle_timer();
}

std::string Connection::agree_deflate() {
    FrameCompressor* fc = server_.compressor_.get();
    if (!fc) return {};
    const codec::DeflateAgreement a =
        codec::negotiate_deflate(http_->parser.request(), fc->policy());
    if (!a.accepted) return {};
    if (a.server_no_context_takeover) {
        deflate_ = WsDeflate::Shared;
    } else {
        deflate_ = WsDeflate::Dedicated;
        extras().deflater = fc->new_stream(a.server_window_bits);
    }
    return "Sec-WebSocket-Extensions: " + a.response + "\r\n";
}

void Connection::respond(int status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers) {
    // Every complete HTTP answer passes here (the API, health, errors, held answers).
    server_.count_http_status(status);
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
    if (!http_->parser.started()) {
        begin_closing();
    } else {
        keep_alive_ = false;  // the request in progress is answered, then the connection closes
    }
}

}  // namespace shoal::net
