// SPDX-License-Identifier: MIT
#include "worker/session/longpoll_sessions.hpp"

#include <charconv>
#include <random>
#include <vector>

#include "common/log.hpp"
#include "worker/codec/json_text.hpp"
#include "worker/codec/pusher_http_auth.hpp"
#include "worker/session/longpoll_token.hpp"

namespace shoal::session {
namespace {

// Directed messages between workers (text, the protocol's own):
//   "QG <request> <epoch> <session> <nonce>\n"          a forwarded poll
//   "QP <request> <epoch> <session> <nonce>\n<body>"    a forwarded send
//   "A <request>\n<json>"                       the owner's answer
//   "C <request> <session>\n"                   the forwarded poll's client went away
bool take_u64(std::string_view& s, std::uint64_t& v) {
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{}) return false;
    s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    return true;
}

net::ConnId vid(std::uint64_t session) {
    return net::make_virtual_id(net::virtual_kind::kLongPoll, session);
}
std::uint64_t session_of(net::ConnId id) {
    return id & ((net::ConnId{1} << 56) - 1);
}

// The last "token" parameter: phoenix.js appends the session token after the socket's own
// params, which may hold a connect token of the same name.
std::string last_token(std::string_view query) {
    std::vector<codec::QueryParam> params;
    std::string t;
    if (!codec::parse_query(query, params)) return t;
    for (const auto& p : params)
        if (p.key == "token") t = p.value;
    return t;
}

}  // namespace

LongPollSessions::LongPollSessions(channel::ChannelHub& hub, const common::Config& config,
                                   PhoenixSessions& phoenix)
    : hub_(hub), config_(config), phoenix_(phoenix), transport_(hub.transport()) {
    std::random_device rd;
    nonce_ = (std::uint64_t{rd()} << 32) | rd();
    hub_.add_adapter(kLongPollTag, *this);
    enabled_ = transport_.attach_virtual(net::virtual_kind::kLongPoll, *this) &&
               transport_.add_ticker(*this);
}

std::string LongPollSessions::status_json(int status, std::string_view token) {
    std::string j = "{\"status\":" + std::to_string(status);
    if (status != 200 || !token.empty()) {
        j += ",\"token\":";
        if (token.empty())
            j += "null";
        else
            codec::append_json_string(j, token);
        j += ",\"messages\":[]";
    }
    j += '}';
    return j;
}

net::Reply LongPollSessions::on_request(net::ConnId id, const net::HttpRequest& request,
                                        const net::RouteParams&, net::HttpResponse& out) {
    out.headers = "Access-Control-Allow-Origin: *\r\nCache-Control: no-store\r\n";
    if (request.method == "OPTIONS") {
        out.headers +=
            "Access-Control-Allow-Methods: GET, POST\r\n"
            "Access-Control-Allow-Headers: content-type, x-phoenix-authtoken\r\n";
        return net::Reply::Now;
    }
    if (!enabled_) {
        out.status = 404;
        out.body = "{\"error\":\"Not found\"}";
        return net::Reply::Now;
    }
    const bool get = request.method == "GET" || request.method == "HEAD";
    LongPollToken t;
    const std::string token = last_token(request.query);
    if (!verify_longpoll_token(token, config_.app.secret, t)) {
        // Phoenix: a poll without a resumable token starts a session; a send is refused.
        if (get) {
            start_session(id, request.query, out);
        } else {
            out.body = status_json(410, {});
        }
        return net::Reply::Now;
    }
    if (t.slot != hub_.slot()) {
        forward(id, t.slot, get, token, get ? std::string_view{} : request.body);
        return net::Reply::Held;
    }
    if (t.epoch != hub_.epoch() || t.nonce != nonce_) {
        out.body = status_json(410, {});  // this worker restarted since: the session is gone
        return net::Reply::Now;
    }
    Waiter w{false, id, 0, 0, transport_.now_ms()};
    held_[id] = t.session;  // until answered (serve may answer at once)
    serve(w, get, t.session, request.body);
    return net::Reply::Held;
}

void LongPollSessions::start_session(net::ConnId id, std::string_view query,
                                     net::HttpResponse& out) {
    std::vector<codec::QueryParam> params;
    const std::string* vsn = nullptr;
    if (codec::parse_query(query, params)) vsn = codec::find_param(params, "vsn");
    if (!vsn || !vsn->starts_with("2.")) {
        out.status = 400;  // only the v2 serializer, as on /socket/websocket
        out.body = "{\"error\":\"vsn 2.x required\"}";
        return;
    }
    if (sessions_.size() >= config_.limits.max_connections) {
        out.status = 503;  // no JSON: phoenix.js retries with its backoff
        out.body.clear();
        return;
    }
    const std::uint64_t n = next_session_++;
    Session& s = sessions_[n];
    s.token = sign_longpoll_token({hub_.slot(), hub_.epoch(), n, nonce_}, config_.app.secret);
    s.last_seen_ms = transport_.now_ms();
    phoenix_.open(vid(n), query);
    out.body = status_json(410, s.token);
    (void)id;
}

void LongPollSessions::serve(const Waiter& w, bool get, std::uint64_t session,
                             std::string_view body) {
    auto it = sessions_.find(session);
    if (it == sessions_.end() || (it->second.closed && it->second.out.empty()))
        return answer(w, status_json(410, {}));
    Session& s = it->second;
    s.last_seen_ms = transport_.now_ms();
    if (!get) {
        // ndjson: one Phoenix message per line (phoenix.js batches up to 100).
        while (!body.empty() && !s.closed) {
            const std::size_t nl = body.find('\n');
            std::string_view line = body.substr(0, nl);
            body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (!line.empty()) phoenix_.message(vid(session), line);
        }
        return answer(w, status_json(200, {}));
    }
    if (s.polling) {
        // A newer poll replaces a held one (the client gave up on it), as in Phoenix.
        Waiter old = s.poll;
        s.polling = false;
        answer(old, status_json(204, s.token));
    }
    if (!s.out.empty() || s.closed) return flush(s, w);
    s.polling = true;
    s.poll = w;
}

void LongPollSessions::flush(Session& s, const Waiter& w) {
    if (s.out.empty()) return answer(w, status_json(s.closed ? 410 : 204, s.closed ? "" : s.token));
    json_ = "{\"status\":200,\"token\":";
    codec::append_json_string(json_, s.token);
    json_ += ",\"messages\":[";
    bool first = true;
    while (!s.out.empty() &&
           (first || json_.size() + s.out.front()->payload().size() < kMaxAnswerBytes)) {
        if (!first) json_ += ',';
        first = false;
        const std::string_view text = s.out.front()->payload();
        codec::append_json_string(json_, text);
        s.out_bytes -= text.size();
        s.out.pop_front();
    }
    json_ += "]}";
    std::string body = std::move(json_);
    answer(w, body);
}

void LongPollSessions::answer(const Waiter& w, std::string_view json) {
    if (w.remote) {
        std::string msg = "A " + std::to_string(w.request) + '\n';
        msg += json;
        if (!hub_.send_directed(w.slot, kLongPollTag, msg))
            SHOAL_WARN("longpoll: answer to slot %u refused by the bus", w.slot);
        return;
    }
    held_.erase(w.conn);
    net::HttpResponse r;
    r.headers = "Access-Control-Allow-Origin: *\r\nCache-Control: no-store\r\n";
    r.body.assign(json);
    transport_.respond(w.conn, r);
}

void LongPollSessions::forward(net::ConnId id, std::uint32_t slot, bool get, std::string_view token,
                               std::string_view body) {
    LongPollToken t;
    verify_longpoll_token(token, config_.app.secret, t);
    const std::uint64_t n = next_request_++;
    std::string msg = get ? "QG " : "QP ";
    msg += std::to_string(n) + ' ' + std::to_string(t.epoch) + ' ' + std::to_string(t.session) +
           ' ' + std::to_string(t.nonce);
    msg += '\n';
    msg += body;
    if (!hub_.send_directed(slot, kLongPollTag, msg)) {
        net::HttpResponse r;
        r.body = status_json(410, {});
        transport_.respond(id, r);
        return;
    }
    forwarded_[n] = {id, transport_.now_ms(), slot, t.session};
    forwarding_[id] = n;
}

void LongPollSessions::on_directed(std::uint32_t from_slot, std::string_view bytes) {
    const std::size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) return;
    std::string_view head = bytes.substr(0, nl);
    std::string_view body = bytes.substr(nl + 1);
    std::uint64_t request = 0, epoch = 0, session = 0, nonce = 0;
    if (head.starts_with("A ")) {
        head.remove_prefix(2);
        if (!take_u64(head, request)) return;
        auto it = forwarded_.find(request);
        if (it == forwarded_.end()) return;  // the client left meanwhile
        const net::ConnId conn = it->second.conn;
        forwarded_.erase(it);
        forwarding_.erase(conn);
        answer(Waiter{false, conn, 0, 0, 0}, body);
        return;
    }
    if (head.starts_with("C ")) {
        head.remove_prefix(2);
        if (!take_u64(head, request) || !take_u64(head, session)) return;
        auto it = sessions_.find(session);
        if (it != sessions_.end() && it->second.polling && it->second.poll.remote &&
            it->second.poll.slot == from_slot && it->second.poll.request == request) {
            it->second.polling = false;
            it->second.last_seen_ms = transport_.now_ms();
        }
        return;
    }
    const bool get = head.starts_with("QG ");
    if (!get && !head.starts_with("QP ")) return;
    head.remove_prefix(3);
    if (!take_u64(head, request) || !take_u64(head, epoch) || !take_u64(head, session) ||
        !take_u64(head, nonce))
        return;
    Waiter w{true, 0, from_slot, request, transport_.now_ms()};
    if (epoch != hub_.epoch() || nonce != nonce_) return answer(w, status_json(410, {}));
    serve(w, get, session, body);
}

void LongPollSessions::on_abandoned(net::ConnId id) {
    if (auto f = forwarding_.find(id); f != forwarding_.end()) {
        // The owner stops holding it, so the session's gap starts now there too.
        auto fw = forwarded_.find(f->second);
        if (fw != forwarded_.end()) {
            hub_.send_directed(
                fw->second.slot, kLongPollTag,
                "C " + std::to_string(f->second) + ' ' + std::to_string(fw->second.session) + '\n');
            forwarded_.erase(fw);
        }
        forwarding_.erase(f);
        return;
    }
    auto h = held_.find(id);
    if (h == held_.end()) return;
    auto s = sessions_.find(h->second);
    held_.erase(h);
    if (s != sessions_.end() && s->second.polling && !s->second.poll.remote &&
        s->second.poll.conn == id) {
        s->second.polling = false;
        s->second.last_seen_ms = transport_.now_ms();  // the gap starts now
    }
}

void LongPollSessions::send(net::ConnId id, net::FrameRef frame) {
    auto it = sessions_.find(session_of(id));
    if (it == sessions_.end() || it->second.closed) return;
    Session& s = it->second;
    s.out_bytes += frame->payload().size();
    s.out.push_back(std::move(frame));
    if (s.out_bytes > config_.limits.send_queue_high_water_bytes) {
        // A client that stopped polling while its session fills: closed like a slow consumer.
        s.out.clear();
        s.out_bytes = 0;
        s.closed = true;
    }
    if (s.polling) {
        s.polling = false;
        flush(s, s.poll);
    }
}

void LongPollSessions::close(net::ConnId id, std::uint16_t code, std::string_view reason) {
    auto it = sessions_.find(session_of(id));
    if (it == sessions_.end()) return;
    SHOAL_DEBUG("longpoll: session %llu closed: %u %.*s",
                static_cast<unsigned long long>(it->first), code, static_cast<int>(reason.size()),
                reason.data());
    // PhoenixSessions may be inside a call for this id: it hears closed() from the next tick.
    it->second.closed = true;
    if (it->second.polling) {
        it->second.polling = false;
        flush(it->second, it->second.poll);
    }
}

void LongPollSessions::end_phoenix(std::uint64_t session, Session& s) {
    if (!s.phoenix_open) return;
    s.phoenix_open = false;
    phoenix_.closed(vid(session));
}

void LongPollSessions::on_tick(std::uint64_t now_ms) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        Session& s = it->second;
        if (s.polling && now_ms - s.poll.since_ms >= kPollHoldMs) {
            s.polling = false;
            s.last_seen_ms = now_ms;
            answer(s.poll, status_json(204, s.token));
        }
        if (s.closed) end_phoenix(it->first, s);
        if (!s.polling && now_ms - s.last_seen_ms >= kSessionGapMs) {
            end_phoenix(it->first, s);
            it = sessions_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = forwarded_.begin(); it != forwarded_.end();) {
        if (now_ms - it->second.since_ms < kForwardWaitMs) {
            ++it;
            continue;
        }
        // The owner never answered (it died): the session is gone with it.
        const net::ConnId conn = it->second.conn;
        forwarding_.erase(conn);
        it = forwarded_.erase(it);
        answer(Waiter{false, conn, 0, 0, 0}, status_json(410, {}));
    }
}

void LongPollSessions::on_shutdown() {
    for (auto& [n, s] : sessions_) {
        s.closed = true;
        if (!s.polling) continue;
        s.polling = false;
        answer(s.poll, status_json(410, {}));
    }
}

}  // namespace shoal::session
