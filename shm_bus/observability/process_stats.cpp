// SPDX-License-Identifier: MIT
// Fields after the command name, per proc(5): state is 3, utime 14, stime 15, rss 24 (pages).
#include "shm_bus/observability/process_stats.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>

namespace shoal::obs {

ProcStats parse_proc_stat(std::string_view text, long ticks_per_s, long page_bytes) noexcept {
    ProcStats st;
    const auto close = text.rfind(')');
    if (close == std::string_view::npos || ticks_per_s <= 0 || page_bytes <= 0) return st;
    std::string_view rest = text.substr(close + 1);
    std::uint64_t utime = 0, stime = 0, rss = 0;
    int field = 2;  // the ')' ends field 2
    std::size_t i = 0;
    while (i < rest.size() && field < 24) {
        while (i < rest.size() && rest[i] == ' ')
            ++i;
        std::size_t j = i;
        while (j < rest.size() && rest[j] != ' ' && rest[j] != '\n')
            ++j;
        if (j == i) break;
        ++field;
        std::uint64_t* dst = field == 14   ? &utime
                             : field == 15 ? &stime
                             : field == 24 ? &rss
                                           : nullptr;
        if (dst) {
            auto [p, ec] = std::from_chars(rest.data() + i, rest.data() + j, *dst);
            if (ec != std::errc{} || p != rest.data() + j) return st;
        }
        i = j;
    }
    if (field < 24) return st;
    st.ok = true;
    st.rss_bytes = rss * static_cast<std::uint64_t>(page_bytes);
    st.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks_per_s);
    return st;
}

ProcStats read_proc_stats(std::uint32_t pid) noexcept {
    if (pid == 0) return {};
    char path[48];
    std::snprintf(path, sizeof path, "/proc/%u/stat", pid);
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) return {};
    return parse_proc_stat({buf, static_cast<std::size_t>(n)}, ::sysconf(_SC_CLK_TCK),
                           ::sysconf(_SC_PAGESIZE));
}

}  // namespace shoal::obs
