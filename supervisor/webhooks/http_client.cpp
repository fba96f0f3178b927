// SPDX-License-Identifier: MIT
// The libcurl multi_socket pattern on libuv: curl's socket callback starts and stops a uv_poll
// per socket, its timer callback arms one uv_timer, and both feed curl_multi_socket_action;
// finished transfers are collected after every action. Handlers are called only from there,
// never from inside post(), so a handler may post again.
#include "supervisor/webhooks/http_client.hpp"

#include <curl/curl.h>

#include "common/version.hpp"

namespace shoal::webhooks {

struct HttpClient::Transfer {
    HttpClient* self = nullptr;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::uint64_t tag = 0;
    std::uint64_t response_bytes = 0;
    char error[CURL_ERROR_SIZE] = {};
};

struct HttpClient::Socket {
    uv_poll_t poll{};
    curl_socket_t fd = -1;
    HttpClient* self = nullptr;
};

namespace {

CURLM* multi_of(void* p) {
    return static_cast<CURLM*>(p);
}

std::size_t discard(char*, std::size_t size, std::size_t n, void* userp) {
    auto* t = static_cast<HttpClient::Transfer*>(userp);
    t->response_bytes += size * n;
    return size * n;
}

void close_socket_handle(HttpClient::Socket* s) {
    uv_poll_stop(&s->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&s->poll),
             [](uv_handle_t* h) { delete static_cast<HttpClient::Socket*>(h->data); });
}

}  // namespace

struct CurlGlue {
    static int on_socket(CURL* easy, curl_socket_t fd, int what, void* userp, void* socketp);
    static int on_timeout(CURLM* multi, long timeout_ms, void* userp);
    static void on_poll(uv_poll_t* handle, int status, int events);
    static void on_timer(uv_timer_t* timer);
};

common::Result<std::unique_ptr<HttpClient>> HttpClient::create(uv_loop_t* loop,
                                                               HttpClientHandler& handler,
                                                               const HttpClientOptions& options) {
    // Once per process, before any other curl call; the supervisor has no other threads.
    static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (global != CURLE_OK)
        return common::Error{
            common::Errc::Io, 0,
            std::string("curl_global_init() failed: ") + curl_easy_strerror(global)};
    std::unique_ptr<HttpClient> c(new HttpClient(loop, handler, options));
    if (!c->multi_) return common::Error{common::Errc::Io, 0, "curl_multi_init() failed"};
    return c;
}

HttpClient::HttpClient(uv_loop_t* loop, HttpClientHandler& handler,
                       const HttpClientOptions& options)
    : loop_(loop), handler_(handler), options_(options), multi_(curl_multi_init()) {
    if (!multi_) return;
    CURLM* m = multi_of(multi_);
    curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &CurlGlue::on_socket);
    curl_multi_setopt(m, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &CurlGlue::on_timeout);
    curl_multi_setopt(m, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.max_per_host));
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(options.max_connections));
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, static_cast<long>(options.max_connections));
    uv_timer_init(loop, &timer_);
    timer_.data = this;
}

HttpClient::~HttpClient() {
    close();
}

bool HttpClient::post(std::uint64_t tag, const std::string& url, std::string_view body,
                      const std::vector<std::string>& headers) {
    if (closed_ || !multi_) return false;
    auto* t = new Transfer;
    t->self = this;
    t->tag = tag;
    t->easy = curl_easy_init();
    if (!t->easy) {
        delete t;
        return false;
    }
    for (const std::string& h : headers)
        t->headers = curl_slist_append(t->headers, h.c_str());
    // No "Expect: 100-continue": it would hold a large body back for up to a second.
    t->headers = curl_slist_append(t->headers, "Expect:");
    static const std::string agent = std::string("shoal/") + common::kVersion;
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body.data());
    curl_easy_setopt(e, CURLOPT_USERAGENT, agent.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout_ms));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.max_response_bytes));
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    if (curl_multi_add_handle(multi_of(multi_), e) != CURLM_OK) {
        curl_slist_free_all(t->headers);
        curl_easy_cleanup(e);
        delete t;
        return false;
    }
    transfers_.insert(t);
    return true;
}

int CurlGlue::on_socket(CURL*, curl_socket_t fd, int what, void* userp, void* socketp) {
    auto* self = static_cast<HttpClient*>(userp);
    auto* s = static_cast<HttpClient::Socket*>(socketp);
    if (self->closed_) return 0;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(multi_of(self->multi_), fd, nullptr);
            self->sockets_.erase(s);
            close_socket_handle(s);
        }
        return 0;
    }
    if (!s) {
        s = new HttpClient::Socket;
        s->fd = fd;
        s->self = self;
        s->poll.data = s;
        if (uv_poll_init_socket(self->loop_, &s->poll, fd) != 0) {
            delete s;
            return -1;  // curl fails the transfer
        }
        self->sockets_.insert(s);
        curl_multi_assign(multi_of(self->multi_), fd, s);
    }
    int events = 0;
    if (what & CURL_POLL_IN) events |= UV_READABLE;
    if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, &CurlGlue::on_poll);
    return 0;
}

int CurlGlue::on_timeout(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<HttpClient*>(userp);
    if (self->closed_) return 0;
    if (timeout_ms < 0) {
        uv_timer_stop(&self->timer_);
        return 0;
    }
    // 0 means "now", but curl must not be re-entered from its own callback: the next iteration.
    uv_timer_start(&self->timer_, &CurlGlue::on_timer, static_cast<std::uint64_t>(timeout_ms), 0);
    return 0;
}

void CurlGlue::on_poll(uv_poll_t* handle, int status, int events) {
    auto* s = static_cast<HttpClient::Socket*>(handle->data);
    int flags = 0;
    if (status < 0) flags |= CURL_CSELECT_ERR;
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    s->self->action(s->fd, flags);
}

void CurlGlue::on_timer(uv_timer_t* timer) {
    static_cast<HttpClient*>(timer->data)->action(CURL_SOCKET_TIMEOUT, 0);
}

void HttpClient::action(int fd, int flags) {
    if (closed_) return;
    int running = 0;
    curl_multi_socket_action(multi_of(multi_), fd, flags, &running);
    collect();
}

void HttpClient::collect() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_of(multi_), &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
        long status = 0;
        if (msg->data.result == CURLE_OK)
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        const char* why = t->error[0] ? t->error : curl_easy_strerror(msg->data.result);
        finish(t, static_cast<int>(status), msg->data.result == CURLE_OK ? "" : why, true);
        if (closed_) return;  // the handler closed the client
    }
}

void HttpClient::finish(Transfer* t, int status, std::string_view error, bool notify) {
    const std::string reason(error);  // t->error dies with t
    const std::uint64_t tag = t->tag;
    curl_multi_remove_handle(multi_of(multi_), t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    transfers_.erase(t);
    delete t;
    if (notify) handler_.on_response(tag, status, reason);
}

void HttpClient::close() {
    if (closed_ || !multi_) return;
    while (!transfers_.empty())
        finish(*transfers_.begin(), 0, "closed", false);
    // From here curl's callbacks are ignored: its cleanup may still report sockets it closes.
    closed_ = true;
    for (Socket* s : sockets_)
        close_socket_handle(s);
    sockets_.clear();
    curl_multi_cleanup(multi_of(multi_));
    multi_ = nullptr;
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

}  // namespace shoal::webhooks
