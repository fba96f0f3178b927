// SPDX-License-Identifier: MIT
// test-links: shoal_observability
// /proc/<pid>/stat parsing: a command name with spaces and parentheses, short and malformed
// lines, and this process's own figures.
#include "shm_bus/observability/process_stats.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

using namespace shoal;

TEST_CASE("proc_stats: utime, stime and rss are read after the last ')' of the command name",
          "[observability][proc]") {
    const char* line =
        "4242 (shoal (worker) 1) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 3 0 99 123456 300 "
        "18446744073709551615 1 2 3\n";
    auto st = obs::parse_proc_stat(line, 100, 4096);
    REQUIRE(st.ok);
    REQUIRE(st.cpu_seconds == Approx(3.0));
    REQUIRE(st.rss_bytes == 300u * 4096u);
}

TEST_CASE("proc_stats: a short or malformed line is not ok", "[observability][proc]") {
    REQUIRE_FALSE(obs::parse_proc_stat("", 100, 4096).ok);
    REQUIRE_FALSE(obs::parse_proc_stat("1 (x) S 1 2 3", 100, 4096).ok);
    REQUIRE_FALSE(obs::parse_proc_stat(
                      "1 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21", 100, 4096)
                      .ok);
    REQUIRE_FALSE(
        obs::parse_proc_stat("1 (x) S 1 2 3 4 5 6 7 8 9 10 x 12 0 0 20 0 3 0 99 1 30 1", 100, 4096)
            .ok);
}

TEST_CASE("proc_stats: this process has resident memory; pid 0 is not read",
          "[observability][proc]") {
    auto self = obs::read_proc_stats(static_cast<std::uint32_t>(::getpid()));
    REQUIRE(self.ok);
    REQUIRE(self.rss_bytes > 0);
    REQUIRE_FALSE(obs::read_proc_stats(0).ok);
}
