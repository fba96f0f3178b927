// SPDX-License-Identifier: MIT
// /proc scanning: one pass over /proc/*/stat builds the parent links, then the tree is summed.
#include "bench/loadgen/proc_stats.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <vector>

namespace shoal::loadgen {
namespace {

bool read_small_file(const char* path, std::string& out) {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[1024];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) return false;
    out.assign(buf, static_cast<std::size_t>(n));
    return true;
}

template <class T>
bool field_number(std::string_view field, T& value) noexcept {
    const auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    return ec == std::errc{} && p == field.data() + field.size();
}

// /proc/PID/statm: "size resident shared ...": resident - shared is the anonymous part.
std::uint64_t anon_pages(pid_t pid, std::string& scratch) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/statm", static_cast<int>(pid));
    if (!read_small_file(path, scratch)) return 0;
    std::uint64_t v[3] = {0, 0, 0};
    std::string_view rest(scratch);
    for (auto& x : v) {
        const std::size_t end = rest.find(' ');
        if (end == std::string_view::npos || !field_number(rest.substr(0, end), x)) return 0;
        rest.remove_prefix(end + 1);
    }
    return v[1] > v[2] ? v[1] - v[2] : 0;
}

std::uint64_t shmem_bytes(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[4096];  // status is about 1.5 KB, over read_small_file's buffer
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) return 0;
    return status_kib({buf, static_cast<std::size_t>(n)}, "RssShmem") * 1024;
}

}  // namespace

std::uint64_t status_kib(std::string_view status, std::string_view name) noexcept {
    std::size_t at = 0;
    while (at < status.size()) {
        const std::size_t end = std::min(status.find('\n', at), status.size());
        std::string_view line = status.substr(at, end - at);
        at = end + 1;
        if (line.size() <= name.size() || line.substr(0, name.size()) != name ||
            line[name.size()] != ':')
            continue;
        line.remove_prefix(name.size() + 1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        line = line.substr(0, line.find(' '));
        std::uint64_t v = 0;
        return field_number(line, v) ? v : 0;
    }
    return 0;
}

bool parse_proc_stat(std::string_view line, ProcStat& out) noexcept {
    const std::size_t open = line.find('(');
    const std::size_t close = line.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return false;
    }
    if (!field_number(line.substr(0, open > 0 ? open - 1 : 0), out.pid)) return false;
    // Fields after the name, 1-based as in proc(5): 3 state, 4 ppid, 14 utime, 15 stime, 24 rss.
    std::string_view rest = line.substr(close + 1);
    int index = 2;
    std::uint64_t utime = 0, stime = 0;
    bool have_rss = false;
    while (!rest.empty() && index < 24) {
        while (!rest.empty() && rest.front() == ' ')
            rest.remove_prefix(1);
        const std::size_t end = rest.find_first_of(" \n");
        const std::string_view field = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        ++index;
        bool ok = true;
        if (index == 4) ok = field_number(field, out.ppid);
        if (index == 14) ok = field_number(field, utime);
        if (index == 15) ok = field_number(field, stime);
        if (index == 24) ok = have_rss = field_number(field, out.rss_pages);
        if (!ok) return false;
    }
    out.cpu_ticks = utime + stime;
    return have_rss;
}

common::Result<TreeSample> sample_tree(pid_t root) {
    DIR* dir = ::opendir("/proc");
    if (dir == nullptr) return common::sys_error("opendir() failed: /proc");
    std::vector<ProcStat> all;
    std::string line;
    char path[300];
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        std::snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        ProcStat st;
        if (read_small_file(path, line) && parse_proc_stat(line, st)) all.push_back(st);
    }
    ::closedir(dir);

    std::vector<pid_t> tree{root};
    bool found_root = false;
    for (std::size_t i = 0; i < tree.size(); ++i) {
        for (const ProcStat& st : all) {
            if (st.ppid == tree[i]) tree.push_back(st.pid);
            if (i == 0 && st.pid == root) found_root = true;
        }
    }
    if (!found_root) return common::Error{common::Errc::NotFound, ESRCH, "server pid gone"};
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    TreeSample sample;
    for (const ProcStat& st : all) {
        bool in_tree = false;
        for (pid_t p : tree)
            in_tree = in_tree || p == st.pid;
        if (!in_tree) continue;
        sample.cpu_s += static_cast<double>(st.cpu_ticks) / ticks;
        sample.rss_bytes += st.rss_pages * page;
        sample.anon_rss_bytes += anon_pages(st.pid, line) * page;
        sample.shmem_rss_bytes += shmem_bytes(st.pid);
        if (st.pid == root) sample.root_rss_bytes = st.rss_pages * page;
        ++sample.processes;
    }
    return sample;
}

bool parse_machine_busy(std::string_view line, std::uint64_t& busy_ticks) noexcept {
    if (line.substr(0, 4) != "cpu ") return false;
    std::string_view rest = line.substr(4);
    // user nice system idle iowait irq softirq steal ...: idle (4th) and iowait (5th) are not busy.
    std::uint64_t busy = 0;
    int index = 0;
    while (!rest.empty() && index < 8) {
        while (!rest.empty() && rest.front() == ' ')
            rest.remove_prefix(1);
        const std::size_t end = rest.find_first_of(" \n");
        std::uint64_t v = 0;
        if (!field_number(rest.substr(0, end), v)) return false;
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        ++index;
        if (index != 4 && index != 5) busy += v;
    }
    busy_ticks = busy;
    return index >= 5;
}

double machine_busy_s() noexcept {
    std::string text;
    std::uint64_t busy = 0;
    if (!read_small_file("/proc/stat", text)) return -1;
    const std::size_t eol = text.find('\n');
    if (!parse_machine_busy(std::string_view(text).substr(0, eol), busy)) return -1;
    return static_cast<double>(busy) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double own_cpu_s() noexcept {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto secs = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return secs(ru.ru_utime) + secs(ru.ru_stime);
}

}  // namespace shoal::loadgen
