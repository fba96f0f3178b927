// SPDX-License-Identifier: MIT
// IPv4 only, bound once; workers adopt the fd and never bind themselves.
#include "supervisor/listen_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

namespace shoal::sup {

common::Result<ListenSocket> ListenSocket::open(const std::string& host, std::uint16_t port,
                                                int backlog) {
    std::string where = host + ":" + std::to_string(port);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
        return common::Error{common::Errc::Config, 0, "--host must be an IPv4 address: " + host};

    // CLOEXEC: a worker receives it only as the fd the spawner maps explicitly (fd 3).
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return common::sys_error("socket() failed: " + where);
    int one = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
        int err = errno;
        ::close(fd);
        return common::sys_error("setsockopt(SO_REUSEADDR) failed: " + where, err);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int err = errno;
        ::close(fd);
        return common::sys_error("bind() failed: " + where, err);
    }
    if (::listen(fd, backlog) != 0) {
        int err = errno;
        ::close(fd);
        return common::sys_error("listen() failed: " + where, err);
    }
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        int err = errno;
        ::close(fd);
        return common::sys_error("getsockname() failed: " + where, err);
    }
    return ListenSocket(fd, ntohs(addr.sin_port));
}

ListenSocket::ListenSocket(ListenSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(other.port_) {}

ListenSocket& ListenSocket::operator=(ListenSocket&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        port_ = other.port_;
    }
    return *this;
}

ListenSocket::~ListenSocket() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace shoal::sup
