// SPDX-License-Identifier: MIT
// bench-links: shoal_common
// The baseline transport for cross-worker delivery: one writer process fans each record out to
// R reader processes over Unix stream sockets (one write per reader per record, or batched).
// scripts/bench.sh sets the shm ring's figures against these to report the bus's advantage as
// a ratio. Reports records/s and the readers' CPU per record (from wait4's rusage).
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

namespace {

struct Reader {
    pid_t pid = -1;
    int fd = -1;
};

// Reads until EOF, then answers with the byte count and exits.
[[noreturn]] void reader_main(int fd) {
    std::vector<char> buf(1 << 16);
    std::uint64_t total = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) break;
        total += static_cast<std::uint64_t>(n);
    }
    if (::write(fd, &total, sizeof total) != sizeof total) ::_exit(1);
    ::_exit(0);
}

bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

double cpu_s(const rusage& ru) {
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Args: record bytes, readers, records per write (1: one syscall per record per reader).
void BM_UnixSocketFanout(benchmark::State& state) {
    const auto bytes = static_cast<std::size_t>(state.range(0));
    const auto readers = static_cast<int>(state.range(1));
    const auto batch = static_cast<std::size_t>(state.range(2));
    std::vector<Reader> rs(static_cast<std::size_t>(readers));
    for (Reader& r : rs) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
            return state.SkipWithError("socketpair");
        r.pid = ::fork();
        if (r.pid == 0) {
            ::close(sv[0]);
            reader_main(sv[1]);
        }
        ::close(sv[1]);
        r.fd = sv[0];
    }
    const std::vector<char> block(bytes * batch, 'r');
    std::uint64_t records = 0;
    for (auto _ : state) {
        for (const Reader& r : rs) {
            if (!write_all(r.fd, block.data(), block.size())) state.SkipWithError("write");
        }
        records += batch;
    }
    double reader_cpu = 0;
    bool complete = true;
    for (Reader& r : rs) {
        ::shutdown(r.fd, SHUT_WR);
        std::uint64_t got = 0;
        complete =
            complete && ::read(r.fd, &got, sizeof got) == sizeof got && got == records * bytes;
        ::close(r.fd);
        int status = 0;
        rusage ru{};
        ::wait4(r.pid, &status, 0, &ru);
        reader_cpu += cpu_s(ru);
    }
    if (!complete) state.SkipWithError("a reader did not receive every record");
    state.SetItemsProcessed(static_cast<std::int64_t>(records));
    state.SetBytesProcessed(static_cast<std::int64_t>(records * bytes));
    state.counters["cpu_ns_per_msg"] =
        records == 0
            ? 0.0
            : reader_cpu * 1e9 / static_cast<double>(records * static_cast<std::uint64_t>(readers));
}

BENCHMARK(BM_UnixSocketFanout)
    ->ArgNames({"bytes", "readers", "batch"})
    ->Args({64, 1, 1})
    ->Args({1024, 1, 1})
    ->Args({64, 1, 32})
    ->Args({1024, 1, 32})
    ->Args({64, 3, 1})
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
