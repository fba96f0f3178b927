// SPDX-License-Identifier: MIT
// The server's TLS context from --tls-cert/--tls-key: the one place the files are read. The
// supervisor builds one before its first worker starts (a bad path or a key that does not match
// exits 78), each worker builds its own at start and again on SIGHUP (a fresh context for new
// handshakes; a connection keeps the context it was accepted with). TLS 1.2 and 1.3 only, ALPN
// http/1.1 (a client offering only other protocols gets no_application_protocol), no
// renegotiation, read/write buffers released while a connection is idle.
#pragma once

#include <memory>
#include <string>

#include "common/result.hpp"

struct ssl_ctx_st;

namespace shoal::common {

struct SslCtxFree {
    void operator()(ssl_ctx_st* ctx) const noexcept;
};
using SslCtxPtr = std::unique_ptr<ssl_ctx_st, SslCtxFree>;

// A Config error whose text names the flag, the file and what is wrong with it.
Result<SslCtxPtr> make_tls_server_context(const std::string& cert_file,
                                          const std::string& key_file);

// "CN=example.org, expires Jan  1 00:00:00 2030 GMT": the leaf, for the log line of a (re)load.
std::string describe_certificate(ssl_ctx_st* ctx);

}  // namespace shoal::common
