// SPDX-License-Identifier: MIT
// RunState: the channel table and the shared read buffer are sized once, up front.
#include "bench/loadgen/run_state.hpp"

#include <zlib.h>

#include <openssl/ssl.h>

namespace shoal::loadgen {

RunCrypto::RunCrypto(bool tls, bool deflate) {
    if (tls) {
        tls_ctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, nullptr);
        // Every connection a full handshake: what a server pays for a crowd arriving at once.
        SSL_CTX_set_session_cache_mode(tls_ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                      SSL_MODE_RELEASE_BUFFERS);
        static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
        SSL_CTX_set_alpn_protos(tls_ctx, kAlpn, sizeof kAlpn);
    }
    if (deflate) {
        z = new z_stream{};
        inflateInit2(z, -15);
        inflated = std::make_unique<char[]>(RunState::kMaxFrame);
    }
}

RunCrypto::~RunCrypto() {
    SSL_CTX_free(tls_ctx);
    if (z) {
        inflateEnd(z);
        delete z;
    }
}

bool RunCrypto::inflate(std::string_view in, std::string_view& out) {
    static constexpr unsigned char kTail[4] = {0, 0, 0xff, 0xff};
    if (!z || inflateReset(z) != Z_OK) return false;
    z->next_out = reinterpret_cast<Bytef*>(inflated.get());
    z->avail_out = static_cast<uInt>(RunState::kMaxFrame);
    for (std::string_view part : {in, std::string_view(reinterpret_cast<const char*>(kTail), 4)}) {
        z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(part.data()));
        z->avail_in = static_cast<uInt>(part.size());
        const int r = ::inflate(z, Z_SYNC_FLUSH);
        if (r == Z_STREAM_END) break;
        if (r != Z_OK && !(r == Z_BUF_ERROR && z->avail_in == 0)) return false;
    }
    out = {inflated.get(), RunState::kMaxFrame - z->avail_out};
    return true;
}

RunState::RunState(const LoadOptions& o)
    : options(o),
      subscribers_of(static_cast<std::size_t>(o.channels), 0),
      read_buffer(kReadChunk + kMaxFrame + 16),
      crypto(o.tls, o.deflate) {
    const std::string prefix = (o.mode == PublishMode::Client ? "private-" : "") + o.channel_prefix;
    channels.reserve(static_cast<std::size_t>(o.channels));
    for (int i = 0; i < o.channels; ++i)
        channels.push_back(prefix + std::to_string(i));
}

}  // namespace shoal::loadgen
