// SPDX-License-Identifier: MIT
// Builds argv, environment and the fd map for one worker start and calls uv_spawn.
#include "supervisor/worker_spawner.hpp"

#include <unistd.h>

#include <cstring>

extern char** environ;

namespace shoal::sup {

std::vector<std::string> worker_argv(const SpawnRequest& r) {
    std::vector<std::string> argv = {"worker", "--slot", std::to_string(r.slot), "--listen-fd",
                                     std::to_string(kWorkerListenFd)};
    if (r.plain_listen_fd >= 0) {
        argv.push_back("--plain-listen-fd");
        argv.push_back(std::to_string(kWorkerFirstExtraFd + static_cast<int>(r.extra_fds.size())));
    }
    argv.insert(argv.end(), r.config_args.begin(), r.config_args.end());
    return argv;
}

common::Result<int> spawn_worker(uv_loop_t* loop, uv_process_t* process, const SpawnRequest& r,
                                 uv_exit_cb on_exit) {
    std::vector<std::string> args = worker_argv(r);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(r.exe_path.c_str()));
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    // The parent's environment, minus our own variables, plus this start's values.
    std::vector<std::string> env_store;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, kEnvSupervisorPid, std::strlen(kEnvSupervisorPid)) == 0) continue;
        if (std::strncmp(*e, kEnvEpoch, std::strlen(kEnvEpoch)) == 0) continue;
        if (std::strncmp(*e, kEnvWakeupFds, std::strlen(kEnvWakeupFds)) == 0) continue;
        env_store.emplace_back(*e);
    }
    env_store.push_back(std::string(kEnvSupervisorPid) + "=" + std::to_string(::getpid()));
    env_store.push_back(std::string(kEnvEpoch) + "=" + std::to_string(r.epoch));
    std::string fds = std::string(kEnvWakeupFds) + "=";
    for (std::size_t i = 0; i < r.extra_fds.size(); ++i) {
        // Appending piece by piece: `"," + std::string` trips GCC 12's false -Wrestrict at -O3.
        if (i != 0) fds += ',';
        fds += std::to_string(kWorkerFirstExtraFd + static_cast<int>(i));
    }
    env_store.push_back(fds);
    std::vector<char*> env;
    for (auto& e : env_store)
        env.push_back(e.data());
    env.push_back(nullptr);

    std::vector<uv_stdio_container_t> stdio(static_cast<std::size_t>(kWorkerFirstExtraFd) +
                                            r.extra_fds.size() + (r.plain_listen_fd >= 0 ? 1 : 0));
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_INHERIT_FD;
    stdio[1].data.fd = STDOUT_FILENO;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = STDERR_FILENO;
    stdio[kWorkerListenFd].flags = UV_INHERIT_FD;
    stdio[kWorkerListenFd].data.fd = r.listen_fd;
    for (std::size_t i = 0; i < r.extra_fds.size(); ++i) {
        stdio[kWorkerFirstExtraFd + i].flags = UV_INHERIT_FD;
        stdio[kWorkerFirstExtraFd + i].data.fd = r.extra_fds[i];
    }
    if (r.plain_listen_fd >= 0) {
        stdio.back().flags = UV_INHERIT_FD;
        stdio.back().data.fd = r.plain_listen_fd;
    }

    uv_process_options_t options{};
    options.exit_cb = on_exit;
    options.file = r.exe_path.c_str();
    options.args = argv.data();
    options.env = env.data();
    options.stdio_count = static_cast<int>(stdio.size());
    options.stdio = stdio.data();
    options.flags = UV_PROCESS_DETACHED;

    int rc = uv_spawn(loop, process, &options);
    if (rc != 0) {
        return common::Error{
            common::Errc::Spawn, -rc,
            "uv_spawn() failed: slot=" + std::to_string(r.slot) + " exe=" + r.exe_path};
    }
    return process->pid;
}

}  // namespace shoal::sup
