// SPDX-License-Identifier: MIT
// Pieces shared by the ring benchmarks: results in anonymous shared memory, forked reader
// processes, and the table of ratios printed at the end of a run.
#pragma once

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <new>
#include <string>
#include <tuple>
#include <vector>

namespace shoal::bench {

inline constexpr int kMaxReaders = 3;
inline constexpr int kLatencySamples = 2000;

// One per benchmark run, mapped MAP_SHARED before the readers fork.
struct Shared {
    std::atomic<std::uint64_t> received[kMaxReaders];
    std::atomic<std::uint64_t> lost[kMaxReaders];
    std::atomic<std::uint32_t> ready[kMaxReaders];
    std::atomic<std::uint32_t> waiting[kMaxReaders];  // about to block (socket latency runs)
    std::atomic<std::uint64_t> latency_ns[kLatencySamples];
};

class SharedMem {
  public:
    SharedMem() {
        void* p = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        s_ = new (p) Shared();
    }
    ~SharedMem() { ::munmap(s_, sizeof(Shared)); }
    Shared* operator->() { return s_; }
    Shared& get() { return *s_; }

  private:
    Shared* s_;
};

template <class Fn>
pid_t fork_reader(Fn fn) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(fn());
    return pid;
}

inline void reap(const std::vector<pid_t>& pids) {
    for (pid_t p : pids)
        ::waitpid(p, nullptr, 0);
}

// Rates by (payload bytes, readers) for each transport, for the ratio table: the median of the
// repetitions (--benchmark_repetitions), since this machine is shared and noisy.
struct Rates {
    std::map<std::tuple<std::string, int, int>, std::vector<double>> records_per_s;
    std::map<std::string, std::vector<std::pair<double, double>>> latency_p50_p99_ns;

    void print() const {
        std::printf("\nshm_bus ring vs baselines, same run (records/s; ratio = ring / baseline)\n");
        std::printf("%-6s %-7s %11s %11s %11s %11s %11s %8s %8s %8s %8s\n", "bytes", "readers",
                    "ring_busy", "ring_batch", "ring_block", "unix_sock", "msg_queue", "busy/uds",
                    "batch/uds", "block/uds", "batch/mq");
        for (int readers : {1, 3})
            for (int bytes : {16, 64, 256, 1024, 4096}) {
                const double b = get("ring_busy", bytes, readers);
                const double t = get("ring_busy_batch", bytes, readers);
                const double k = get("ring_blocking", bytes, readers);
                const double u = get("unix_socket", bytes, readers);
                const double m = get("message_queue", bytes, readers);
                if (b == 0 && t == 0) continue;
                auto ratio = [](double x, double y) { return y > 0 ? x / y : 0.0; };
                std::printf(
                    "%-6d %-7d %11.0f %11.0f %11.0f %11.0f %11.0f %8.1f %8.1f %8.1f %8.1f\n", bytes,
                    readers, b, t, k, u, m, ratio(b, u), ratio(t, u), ratio(k, u), ratio(t, m));
            }
        for (const auto& [name, runs] : latency_p50_p99_ns) {
            std::vector<double> p50, p99;
            for (const auto& [a, b] : runs) {
                p50.push_back(a);
                p99.push_back(b);
            }
            std::printf("wake-up latency %-12s p50 %8.1f us  p99 %8.1f us  (median of %zu runs)\n",
                        name.c_str(), median(p50) / 1000, median(p99) / 1000, runs.size());
        }
    }

  private:
    static double median(std::vector<double> v) {
        if (v.empty()) return 0;
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    }
    double get(const char* t, int bytes, int readers) const {
        auto it = records_per_s.find({t, bytes, readers});
        return it == records_per_s.end() ? 0 : median(it->second);
    }
};

inline Rates& rates() {
    static Rates r;
    return r;
}

}  // namespace shoal::bench
