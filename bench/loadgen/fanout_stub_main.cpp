// SPDX-License-Identifier: MIT
// shoal_fanout_stub: a deliberately minimal Pusher fan-out server (one epoll thread, no checks:
// no signatures, no limits) whose only job is to be faster than the load generator, so the
// load generator's own ceiling can be measured. Never a reference for shoal's behaviour.
// Usage: shoal_fanout_stub [port]   (prints "listening PORT"; 127.0.0.1 only; stops on SIGTERM)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/loadgen/http_reply_scan.hpp"
#include "bench/loadgen/ws_client_codec.hpp"

namespace {

using namespace shoal::loadgen;

volatile std::sig_atomic_t g_stop = 0;

struct Conn {
    int fd = -1;
    bool websocket = false;
    bool dirty = false;
    bool want_out = false;  // EPOLLOUT registered
    std::string in;
    std::string out;
};

struct Stub {
    int epfd = -1;
    std::map<std::string, std::vector<Conn*>> channels;
    std::vector<Conn*> dirty;
    std::string frame;
    int socket_ids = 0;

    void queue(Conn& c, std::string_view bytes) {
        c.out.append(bytes);
        if (!c.dirty) {
            c.dirty = true;
            dirty.push_back(&c);
        }
    }
    void queue_text(Conn& c, std::string_view text) {
        frame.clear();
        frame.push_back(static_cast<char>(0x81));
        if (text.size() < 126) {
            frame.push_back(static_cast<char>(text.size()));
        } else {
            frame.push_back(126);
            frame.push_back(static_cast<char>(text.size() >> 8));
            frame.push_back(static_cast<char>(text.size() & 0xFF));
        }
        frame.append(text);
        queue(c, frame);
    }
    void flush() {
        for (Conn* c : dirty) {
            c->dirty = false;
            if (c->fd < 0) continue;
            const ssize_t n = ::send(c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL);
            if (n > 0) c->out.erase(0, static_cast<std::size_t>(n));
            if (c->out.empty() == !c->want_out) continue;  // epoll already watches what it must
            c->want_out = !c->out.empty();
            epoll_event ev{};
            ev.events = EPOLLIN | (c->want_out ? static_cast<unsigned>(EPOLLOUT) : 0u);
            ev.data.ptr = c;
            ::epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        }
        dirty.clear();
    }
    void close_conn(Conn* c) {
        if (c->fd < 0) return;
        ::close(c->fd);
        c->fd = -1;
        for (auto& [name, subs] : channels)
            std::erase(subs, c);
    }

    // Returns false when the connection must close.
    bool on_http(Conn& c) {
        for (;;) {
            const std::size_t end = c.in.find("\r\n\r\n");
            if (end == std::string::npos) return c.in.size() < 65536;
            const std::string_view head(c.in.data(), end + 2);
            if (head.rfind("GET ", 0) == 0) {
                const std::string accept =
                    websocket_accept(header_value(head, "sec-websocket-key"));
                c.in.erase(0, end + 4);
                c.websocket = true;
                queue(c,
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                          accept + "\r\n\r\n");
                queue_text(
                    c, R"({"event":"pusher:connection_established","data":"{\"socket_id\":\")" +
                           std::to_string(++socket_ids) + R"(.1\",\"activity_timeout\":120}"})");
                return on_ws(c);
            }
            const std::size_t length = std::strtoul(
                std::string(header_value(head, "content-length")).c_str(), nullptr, 10);
            if (c.in.size() < end + 4 + length) return true;
            publish_batch(std::string_view(c.in).substr(end + 4, length));
            c.in.erase(0, end + 4 + length);
            queue(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        }
    }
    static std::string_view field(std::string_view s, std::string_view key, std::size_t& at) {
        const std::size_t k = s.find(key, at);
        if (k == std::string_view::npos) return {};
        const std::size_t start = k + key.size();
        const std::size_t end = s.find('"', start);
        at = end;
        return end == std::string_view::npos ? std::string_view{} : s.substr(start, end - start);
    }
    void publish_batch(std::string_view body) {
        std::size_t at = 0;
        for (;;) {
            const std::string_view channel = field(body, R"("channel":")", at);
            const std::string_view name = field(body, R"("name":")", at);
            const std::string_view data = field(body, R"("data":")", at);
            if (channel.empty() || data.empty()) return;
            auto it = channels.find(std::string(channel));
            if (it == channels.end()) continue;
            std::string text = R"({"event":")";
            text.append(name).append(R"(","channel":")").append(channel);
            text.append(R"(","data":")").append(data).append("\"}");
            for (Conn* s : it->second)
                queue_text(*s, text);
        }
    }
    bool on_ws(Conn& c) {
        ServerFrame f;  // the same header layout; a client frame also carries a mask key
        for (;;) {
            if (c.in.size() < 6) return true;
            auto* p = reinterpret_cast<unsigned char*>(c.in.data());
            std::size_t len = p[1] & 0x7F, header = 2;
            if (len == 126) {
                len = (std::size_t{p[2]} << 8) | p[3];
                header = 4;
            } else if (len == 127) {
                return false;
            }
            if (c.in.size() < header + 4 + len) return true;
            unsigned char* mask = p + header;
            std::string text(len, '\0');
            for (std::size_t i = 0; i < len; ++i)
                text[i] = static_cast<char>(p[header + 4 + i] ^ mask[i & 3]);
            const unsigned op = p[0] & 0x0F;
            c.in.erase(0, header + 4 + len);
            if (op == 0x8) return false;
            if (text.find("pusher:subscribe") != std::string::npos) {
                std::size_t at = 0;
                const std::string channel(field(text, R"("channel":")", at));
                channels[channel].push_back(&c);
                queue_text(c, R"({"event":"pusher_internal:subscription_succeeded","channel":")" +
                                  channel + R"(","data":"{}"})");
            }
        }
        (void)f;
    }
};

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd, 4096) != 0) {
        std::perror("shoal_fanout_stub: bind/listen");
        return 1;
    }
    socklen_t alen = sizeof a;
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &alen);
    std::printf("listening %d\n", ntohs(a.sin_port));
    std::fflush(stdout);

    Stub stub;
    stub.epfd = ::epoll_create1(0);
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.ptr = nullptr;
    ::epoll_ctl(stub.epfd, EPOLL_CTL_ADD, lfd, &lev);
    std::vector<std::unique_ptr<Conn>> conns;
    epoll_event events[256];
    char buf[65536];
    while (g_stop == 0) {
        const int n = ::epoll_wait(stub.epfd, events, 256, 100);
        for (int i = 0; i < n; ++i) {
            if (events[i].data.ptr == nullptr) {
                for (int fd; (fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
                    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conns.push_back(std::make_unique<Conn>());
                    conns.back()->fd = fd;
                    epoll_event ev{};
                    ev.events = EPOLLIN;
                    ev.data.ptr = conns.back().get();
                    ::epoll_ctl(stub.epfd, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            Conn& c = *static_cast<Conn*>(events[i].data.ptr);
            if (c.fd < 0) continue;
            if ((events[i].events & EPOLLOUT) != 0 && !c.out.empty()) stub.queue(c, {});
            if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) continue;
            const ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
            if (got <= 0) {
                if (got < 0 && errno == EAGAIN) continue;
                stub.close_conn(&c);
                continue;
            }
            c.in.append(buf, static_cast<std::size_t>(got));
            if (!(c.websocket ? stub.on_ws(c) : stub.on_http(c))) stub.close_conn(&c);
        }
        stub.flush();
    }
    return 0;
}
