// SPDX-License-Identifier: MIT
// Real processes: a forked second holder is refused; a SIGKILLed holder frees the lock.
#include "supervisor/bus_lock.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include <catch2/catch.hpp>

using shoal::common::Errc;
using shoal::sup::BusLock;

namespace {

std::string unique_bus(const char* what) {
    return std::string("shoal-locktest-") + what + "-" + std::to_string(::getpid());
}

// Runs acquire() in a forked child; returns its exit code (0 ok, 1 busy, 2 other error).
int acquire_in_child(const std::string& bus) {
    pid_t pid = ::fork();
    if (pid == 0) {
        auto r = BusLock::acquire(bus);
        ::_exit(r.ok() ? 0 : (r.error().code == Errc::Busy ? 1 : 2));
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("BusLock: a second supervisor on the same bus is refused with the holder's pid",
          "[supervisor][bus_lock]") {
    std::string bus = unique_bus("busy");
    auto held = BusLock::acquire(bus);
    REQUIRE(held.ok());
    REQUIRE(acquire_in_child(bus) == 1);

    auto again = BusLock::acquire(bus);
    REQUIRE_FALSE(again.ok());
    REQUIRE(again.error().code == Errc::Busy);
    REQUIRE(again.error().message().find(std::to_string(::getpid())) != std::string::npos);
    REQUIRE(again.error().message().find(bus) != std::string::npos);
    held->release_and_unlink();
    REQUIRE(::access(BusLock::path_for(bus).c_str(), F_OK) != 0);
}

TEST_CASE("BusLock: a lock held by a supervisor killed with SIGKILL is free again",
          "[supervisor][bus_lock]") {
    std::string bus = unique_bus("crash");
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        auto r = BusLock::acquire(bus);
        char c = r.ok() ? 'y' : 'n';
        (void)!::write(ready[1], &c, 1);
        ::pause();
        ::_exit(0);
    }
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    REQUIRE(c == 'y');
    REQUIRE(acquire_in_child(bus) == 1);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);

    auto r = BusLock::acquire(bus);
    REQUIRE(r.ok());
    r->release_and_unlink();
    ::close(ready[0]);
    ::close(ready[1]);
}

TEST_CASE("BusLock: different bus names do not exclude each other", "[supervisor][bus_lock]") {
    auto a = BusLock::acquire(unique_bus("a"));
    auto b = BusLock::acquire(unique_bus("b"));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    a->release_and_unlink();
    b->release_and_unlink();
}
