// SPDX-License-Identifier: MIT
// A real uv_spawn of a shell script that reports its fds, argv and environment.
#include "supervisor/worker_spawner.hpp"

#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "supervisor/listen_socket.hpp"

using namespace shoal;

TEST_CASE("worker_spawner: the worker command line names the slot, fd 3 and the config flags",
          "[supervisor][spawn]") {
    sup::SpawnRequest r;
    r.slot = 5;
    r.config_args = {"--port", "7001"};
    auto argv = sup::worker_argv(r);
    REQUIRE(argv == std::vector<std::string>{"worker", "--slot", "5", "--listen-fd", "3", "--port",
                                             "7001"});
}

TEST_CASE(
    "worker_spawner: a spawned worker gets the socket on fd 3, eventfds on 4.., and its "
    "supervisor pid and epoch in the environment",
    "[supervisor][spawn]") {
    std::string dir = "/tmp/shoal-spawn-test-" + std::to_string(::getpid());
    ::mkdir(dir.c_str(), 0700);
    std::string script = dir + "/fake-worker.sh";
    std::string out = dir + "/out.txt";
    {
        std::ofstream f(script);
        f << "#!/bin/sh\n"
          << "{ echo \"args=$*\"; echo \"sup=$SHOAL_SUPERVISOR_PID epoch=$SHOAL_WORKER_EPOCH "
             "fds=$SHOAL_WAKEUP_FDS\";\n"
          << "  readlink /proc/$$/fd/3; readlink /proc/$$/fd/4; readlink /proc/$$/fd/5; } > " << out
          << "\nexit 3\n";
    }
    ::chmod(script.c_str(), 0700);

    auto sock = sup::ListenSocket::open("127.0.0.1", 0);
    REQUIRE(sock.ok());
    int efd = ::eventfd(0, EFD_CLOEXEC);
    sup::SpawnRequest r;
    r.exe_path = script;
    r.slot = 1;
    r.epoch = 9;
    r.listen_fd = sock->fd();
    r.extra_fds = {efd, efd};

    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_process_t proc;
    static std::int64_t exit_status = -1;
    auto pid = sup::spawn_worker(&loop, &proc, r, [](uv_process_t* p, std::int64_t st, int) {
        exit_status = st;
        uv_close(reinterpret_cast<uv_handle_t*>(p), nullptr);
    });
    REQUIRE(pid.ok());
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    REQUIRE(exit_status == 3);

    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    REQUIRE(text.find("args=worker --slot 1 --listen-fd 3") != std::string::npos);
    REQUIRE(text.find("sup=" + std::to_string(::getpid()) + " epoch=9 fds=4,5") !=
            std::string::npos);
    REQUIRE(text.find("socket:[") != std::string::npos);
    REQUIRE(text.find("anon_inode:[eventfd]") != std::string::npos);
    ::close(efd);
    ::unlink(out.c_str());
    ::unlink(script.c_str());
    ::rmdir(dir.c_str());
}

TEST_CASE("worker_spawner: a missing binary is a spawn error naming the slot",
          "[supervisor][spawn]") {
    sup::SpawnRequest r;
    r.exe_path = "/nonexistent/shoal";
    r.slot = 2;
    r.listen_fd = 0;
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_process_t proc;
    auto pid = sup::spawn_worker(&loop, &proc, r, nullptr);
    REQUIRE_FALSE(pid.ok());
    REQUIRE(pid.error().code == common::Errc::Spawn);
    REQUIRE(pid.error().message().find("slot=2") != std::string::npos);
    uv_close(reinterpret_cast<uv_handle_t*>(&proc), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}
