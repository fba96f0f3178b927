// SPDX-License-Identifier: MIT
// Forked children for multi-process tests: each runs a function and _exits with its result; the
// set kills (by pid) and reaps any child still alive when a test ends, also when it fails.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

namespace shoal::test {

class ChildProcesses {
  public:
    ChildProcesses() = default;
    ChildProcesses(const ChildProcesses&) = delete;
    ChildProcesses& operator=(const ChildProcesses&) = delete;
    ~ChildProcesses() {
        for (pid_t pid : live_) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }

    template <class Fn>
    pid_t spawn(Fn fn) {
        const pid_t pid = ::fork();
        if (pid == 0) ::_exit(fn());
        if (pid > 0) live_.push_back(pid);
        return pid;
    }

    // The child's exit code, 128 + signal if it was killed, or -1 if it outlived timeout_ms.
    int wait(pid_t pid, int timeout_ms) {
        int status = 0;
        for (int waited = 0; waited <= timeout_ms; waited += 5) {
            const pid_t r = ::waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                std::erase(live_, pid);
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return -1;
    }

    int kill_and_wait(pid_t pid, int sig) {
        ::kill(pid, sig);
        return wait(pid, 10000);
    }

  private:
    std::vector<pid_t> live_;
};

}  // namespace shoal::test
