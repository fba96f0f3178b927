// SPDX-License-Identifier: MIT
// flock(2) is released by the kernel with its holder, unlike a lock word in shared memory.
#include "supervisor/bus_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace shoal::sup {
namespace {

// The pid of the holder, as it wrote it into the file, for the refusal message.
long read_holder_pid(int fd) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    return std::strtol(buf, nullptr, 10);
}

}  // namespace

std::string BusLock::path_for(const std::string& bus_name) {
    return "/dev/shm/" + bus_name + ".lock";
}

common::Result<long> BusLock::holder(const std::string& bus_name) {
    std::string path = path_for(bus_name);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    auto none = common::Error{common::Errc::NotFound, 0, "no supervisor runs on bus " + bus_name};
    if (fd < 0) return none;
    // A lock we can take is nobody's: the kernel released it with its holder.
    const bool free = ::flock(fd, LOCK_SH | LOCK_NB) == 0;
    long pid = free ? 0 : read_holder_pid(fd);
    ::close(fd);
    if (free || pid <= 0) return none;
    return pid;
}

common::Result<BusLock> BusLock::acquire(const std::string& bus_name) {
    std::string path = path_for(bus_name);
    // O_CLOEXEC: workers must not inherit the lock, or an orphaned worker would hold it.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return common::sys_error("open() failed: " + path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        long holder = read_holder_pid(fd);
        ::close(fd);
        if (err == EWOULDBLOCK) {
            return common::Error{common::Errc::Busy, 0,
                                 "another supervisor (pid " + std::to_string(holder) +
                                     ") is running on bus " + bus_name + " (lock " + path + ")"};
        }
        return common::sys_error("flock() failed: " + path, err);
    }
    char pid[32];
    int len = std::snprintf(pid, sizeof pid, "%d\n", static_cast<int>(::getpid()));
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid, static_cast<std::size_t>(len), 0) != len) {
        int err = errno;
        ::close(fd);
        return common::sys_error("write() failed: " + path, err);
    }
    return BusLock(fd, std::move(path));
}

BusLock::BusLock(BusLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

BusLock& BusLock::operator=(BusLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

BusLock::~BusLock() {
    if (fd_ >= 0) ::close(fd_);
}

void BusLock::release_and_unlink() {
    if (fd_ < 0) return;
    // Unlink while still holding it: a newcomer either sees the old file locked, or a new file.
    ::unlink(path_.c_str());
    ::close(fd_);
    fd_ = -1;
}

}  // namespace shoal::sup
