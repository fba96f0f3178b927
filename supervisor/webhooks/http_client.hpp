// SPDX-License-Identifier: MIT
// HttpClient: HTTP(S) POSTs on the supervisor's libuv loop through libcurl's multi interface
// (curl_multi_socket_action): curl tells us which sockets to watch and when to wake it, uv_poll
// and one uv_timer do the watching, and nothing ever blocks the loop (DNS runs in curl's
// resolver threads). Connections are kept alive and reused per host; every request has a
// deadline. Only this file and its .cpp see <curl/curl.h> (scripts/check_deps.sh R11).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <uv.h>

#include "common/result.hpp"

namespace shoal::webhooks {

class HttpClientHandler {
  public:
    // status: the HTTP status, or 0 when no answer came (refused, reset, timed out, closed);
    // error: curl's reason when status is 0.
    virtual void on_response(std::uint64_t tag, int status, std::string_view error) = 0;

  protected:
    ~HttpClientHandler() = default;
};

struct HttpClientOptions {
    std::uint32_t timeout_ms = 5'000;              // the whole request, connect included
    std::uint32_t max_per_host = 4;                // connections kept per host
    std::uint32_t max_connections = 64;            // over all hosts
    std::uint32_t max_response_bytes = 64 * 1024;  // an answer's body is read and discarded
};

class HttpClient {
  public:
    static common::Result<std::unique_ptr<HttpClient>> create(uv_loop_t* loop,
                                                              HttpClientHandler& handler,
                                                              const HttpClientOptions& options);
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    ~HttpClient();

    // Starts a POST of body (copied) with the header lines ("Name: value"); the answer comes
    // through handler.on_response(tag, ...), never from inside this call. False when curl
    // refused to start it (the handler is then not called).
    bool post(std::uint64_t tag, const std::string& url, std::string_view body,
              const std::vector<std::string>& headers);
    std::size_t active() const noexcept { return transfers_.size(); }
    // Aborts every request (no callbacks) and closes the handles; the loop may then end.
    void close();

    struct Transfer;
    struct Socket;

  private:
    friend struct CurlGlue;  // curl's and libuv's callbacks (http_client.cpp)

    HttpClient(uv_loop_t* loop, HttpClientHandler& handler, const HttpClientOptions& options);
    void action(int fd, int flags);
    void collect();
    void finish(Transfer* t, int status, std::string_view error, bool notify);

    uv_loop_t* loop_;
    HttpClientHandler& handler_;
    HttpClientOptions options_;
    void* multi_ = nullptr;  // CURLM*
    uv_timer_t timer_{};
    bool closed_ = false;
    std::set<Transfer*> transfers_;
    std::set<Socket*> sockets_;
};

}  // namespace shoal::webhooks
