// SPDX-License-Identifier: MIT
// The socket that keeps the accept queue alive while no worker accepts.
#include "supervisor/listen_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using shoal::sup::ListenSocket;

namespace {

int connect_to(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::close(fd);
    return rc;
}

}  // namespace

TEST_CASE("ListenSocket: connections succeed while nobody accepts, because the queue stays open",
          "[supervisor][listen]") {
    auto s = ListenSocket::open("127.0.0.1", 0);
    REQUIRE(s.ok());
    REQUIRE(s->port() != 0);
    for (int i = 0; i < 32; ++i)
        REQUIRE(connect_to(s->port()) == 0);
}

TEST_CASE("ListenSocket: a port in use is an error naming the address", "[supervisor][listen]") {
    auto a = ListenSocket::open("127.0.0.1", 0);
    REQUIRE(a.ok());
    auto b = ListenSocket::open("127.0.0.1", a->port());
    REQUIRE_FALSE(b.ok());
    REQUIRE(b.error().sys_errno == EADDRINUSE);
    REQUIRE(b.error().message().find(std::to_string(a->port())) != std::string::npos);
}

TEST_CASE("ListenSocket: a host that is not an IPv4 address is a config error",
          "[supervisor][listen]") {
    auto s = ListenSocket::open("not-an-address", 0);
    REQUIRE_FALSE(s.ok());
    REQUIRE(s.error().code == shoal::common::Errc::Config);
}

TEST_CASE("ListenSocket: the socket is close-on-exec so only an explicit mapping passes it on",
          "[supervisor][listen]") {
    auto s = ListenSocket::open("127.0.0.1", 0);
    REQUIRE(s.ok());
    REQUIRE((::fcntl(s->fd(), F_GETFD) & FD_CLOEXEC) != 0);
}
