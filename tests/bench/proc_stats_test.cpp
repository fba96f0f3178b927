// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib
// /proc/PID/stat parsing, and sampling a real process tree (a forked child that burns CPU).
#include "bench/loadgen/proc_stats.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::loadgen;

TEST_CASE("proc_stats: a stat line with spaces and parentheses in the name parses",
          "[bench][proc]") {
    const std::string line =
        "4242 (shoal (worker 1)) S 4200 4242 4200 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 1 0 "
        "100 123456 789 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    ProcStat st;
    REQUIRE(parse_proc_stat(line, st));
    REQUIRE(st.pid == 4242);
    REQUIRE(st.ppid == 4200);
    REQUIRE(st.cpu_ticks == 175);
    REQUIRE(st.rss_pages == 789);
    REQUIRE_FALSE(parse_proc_stat("4242 (x) S 1 2 3", st));
    REQUIRE_FALSE(parse_proc_stat("garbage", st));
}

TEST_CASE("proc_stats: a status line's kB value is found by its exact name", "[bench][proc]") {
    const std::string status =
        "Name:\tshoal\nVmRSS:\t   12345 kB\nRssAnon:\t    8000 kB\nRssFile:\t    4000 kB\n"
        "RssShmem:\t     345 kB\nRssShmemX:\t 1 kB\n";
    REQUIRE(status_kib(status, "RssShmem") == 345);
    REQUIRE(status_kib(status, "RssAnon") == 8000);
    REQUIRE(status_kib(status, "Rss") == 0);  // a prefix of a name is not the name
    REQUIRE(status_kib(status, "VmSwap") == 0);
    REQUIRE(status_kib("RssShmem:\tlots kB\n", "RssShmem") == 0);
}

TEST_CASE("proc_stats: a tree sample counts the children and their CPU", "[bench][proc]") {
    auto alone = sample_tree(::getpid());
    REQUIRE(alone.ok());
    REQUIRE(alone->processes >= 1);
    REQUIRE(alone->rss_bytes > 0);
    // The anonymous part (heap, stacks) is some of the RSS, never all of it (code is mapped).
    REQUIRE(alone->anon_rss_bytes > 0);
    REQUIRE(alone->anon_rss_bytes < alone->rss_bytes);
    REQUIRE(alone->root_rss_bytes == alone->rss_bytes);  // the root is the only process

    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        volatile unsigned long spin = 0;
        for (;;)
            spin = spin + 1;  // killed by the parent
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto with_child = sample_tree(::getpid());
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    REQUIRE(with_child.ok());
    REQUIRE(with_child->processes == alone->processes + 1);
    REQUIRE(with_child->cpu_s >= alone->cpu_s + 0.05);
}

TEST_CASE("proc_stats: machine busy time counts all but idle and iowait", "[bench][proc]") {
    std::uint64_t busy = 0;
    REQUIRE(parse_machine_busy("cpu  100 5 50 1000 20 3 2 7 0 0", busy));
    REQUIRE(busy == 100 + 5 + 50 + 3 + 2 + 7);
    REQUIRE_FALSE(parse_machine_busy("cpu0 1 2 3 4 5", busy));
    REQUIRE_FALSE(parse_machine_busy("cpu  1 x 3 4 5", busy));
    REQUIRE(machine_busy_s() > 0.0);
}

TEST_CASE("proc_stats: a pid that does not exist is an error, not zeros", "[bench][proc]") {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    REQUIRE_FALSE(sample_tree(child).ok());
    REQUIRE(own_cpu_s() > 0.0);
}
