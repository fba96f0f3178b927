// SPDX-License-Identifier: MIT
// A request its route handler holds (Reply::Held) or streams (Reply::Streaming): the late answer,
// the chunked stream, on_abandoned when the request ends without the handler, and the pipelined
// input kept meanwhile, parsed once the answer is queued.
#include "worker/codec/http_response.hpp"
#include "worker/net/connection.hpp"
#include "worker/net/http_router.hpp"
#include "worker/net/server.hpp"

namespace shoal::net {

void Connection::respond_held(const HttpResponse& response) {
    if (hold_ != HttpHold::Held || state_ != ConnState::Http) return;
    hold_ = HttpHold::None;  // finished by the handler: no on_abandoned, whatever follows
    answer(response);
    finish_held();
}

void Connection::begin_stream(int status, std::string_view content_type,
                              std::string_view extra_headers) {
    if (hold_ != HttpHold::Held || state_ != ConnState::Http) return;
    hold_ = HttpHold::Streaming;
    server_.count_http_status(status);
    queue(SharedFrame::make_raw(
        codec::format_http_stream_head(status, content_type, keep_alive_, extra_headers)));
}

void Connection::stream_write(std::string_view bytes) {
    if (hold_ != HttpHold::Streaming || state_ != ConnState::Http) return;
    if (head_request_ || bytes.empty()) return;
    // Through the send queue like a WebSocket frame: a peer that stops reading is closed.
    queue(SharedFrame::make_raw(codec::encode_http_chunk(bytes)));
}

void Connection::end_stream() {
    if (hold_ != HttpHold::Streaming || state_ != ConnState::Http) return;
    hold_ = HttpHold::None;
    if (!head_request_) queue(SharedFrame::make_raw(codec::kHttpLastChunk));
    finish_held();
}

void Connection::finish_held() {
    hold_ = HttpHold::None;
    if (state_ != ConnState::Http) return;
    if (!keep_alive_) {
        begin_closing();
        return;
    }
    http_->parser.reset();
    if (!http_->held_input.empty()) {
        // Parsed from the timer phase, not from inside the handler that just answered.
        hold_ = HttpHold::Resuming;
        server_.arm_timeout(*this, kResumeList, 0);
        return;
    }
    start_http_timer();  // keep-alive deadlines apply again
}

void Connection::resume_input() {
    if (hold_ != HttpHold::Resuming || state_ != ConnState::Http) return;
    hold_ = HttpHold::None;
    start_http_timer();
    std::string input = std::move(http_->held_input);
    http_->held_input.clear();
    // May hold again (the rest is kept anew) or upgrade (http_ is gone afterwards).
    on_http_bytes(input.data(), input.size());
}

void Connection::notify_abandoned() {
    if (!holds_request()) return;
    hold_ = HttpHold::None;  // first: whatever the handler does with the id now is ignored
    server_.router_->route_handler(handler_index_).on_abandoned(id_);
}

void Connection::abandon_held() {
    if (!holds_request() || state_ != ConnState::Http) return;
    keep_alive_ = false;
    // A stream ends well-formed (its last chunk), a held request without an answer.
    if (hold_ == HttpHold::Streaming && !head_request_)
        queue(SharedFrame::make_raw(codec::kHttpLastChunk));
    notify_abandoned();
    begin_closing();
}

}  // namespace shoal::net
