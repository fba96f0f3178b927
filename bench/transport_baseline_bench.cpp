// SPDX-License-Identifier: MIT
// bench-links: shoal_bus shoal_common
// Cross-worker transport, like for like: one writer process moves each record to R reader
// processes, over Unix stream sockets (the baseline: one write per reader per record, or 32
// records per write) and over the shm bus ring (one write for all readers). scripts/bench.sh
// divides the two to report the bus's advantage. Reports records/s and the readers' CPU per
// record (wait4 rusage). Ring readers spin (with sched_yield) when caught up, which the socket
// readers' blocking read() does not, so ring CPU per record is an upper bound.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/clock.hpp"
#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "shm_bus/segment.hpp"

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

constexpr std::int32_t kDataType = 0;
constexpr std::int32_t kEndType = 1;

shoal::bus::BusConfig ring_config() {
    shoal::bus::BusConfig c;
    c.slots = 4;  // slot 0 writes, slots 1..3 read
    c.ring_bytes = 4u << 20;
    c.max_record_bytes = 4096;
    return c;
}

struct CountingSink {
    std::uint64_t records = 0;
    std::uint64_t lost = 0;
    bool ended = false;
    void on_record(std::int32_t type, std::span<const std::byte> payload) noexcept {
        if (type == kEndType) ended = true;
        if (type == kDataType) records += payload.empty() ? 0 : 1;
    }
    void on_lost(std::uint64_t n, std::uint64_t) noexcept { lost += n; }
};

// Reads ring 0 until the end record, publishing its position for the writer's flow control,
// then answers with its record and loss counts through `fd` and exits.
[[noreturn]] void ring_reader_main(const std::string& name, std::uint32_t slot, int fd) {
    auto seg = shoal::bus::Segment::attach(name, ring_config());
    if (!seg.ok()) ::_exit(2);
    shoal::bus::RingReader reader(seg.value(), 0);
    reader.start_at(0);
    shoal::bus::SlotRecord& mine = seg->slot(slot);
    mine.read_position[0].store(0);
    mine.state.store(shoal::bus::SlotState::Running);
    CountingSink sink;
    const std::uint64_t deadline = shoal::common::monotonic_ns() + 120'000'000'000ull;
    while (!sink.ended && shoal::common::monotonic_ns() < deadline) {
        const std::size_t n = reader.poll(sink, 1024);
        mine.read_position[0].store(reader.position(), std::memory_order_relaxed);
        if (n == 0) ::sched_yield();
    }
    const std::uint64_t answer[2] = {sink.records, sink.lost};
    if (::write(fd, answer, sizeof answer) != sizeof answer) ::_exit(1);
    ::_exit(0);
}

// The harness's flow control (the bus itself never waits for readers): keep the writer within
// half a ring of the slowest reader so the figure is throughput, not loss.
void wait_for_readers(const shoal::bus::Segment& seg, std::uint64_t tail, int readers) {
    const std::uint64_t slack = ring_config().ring_bytes / 2;
    for (int r = 1; r <= readers; ++r) {
        const auto& pos = seg.slot(static_cast<std::uint32_t>(r)).read_position[0];
        while (pos.load(std::memory_order_relaxed) + slack < tail)
            ::sched_yield();
    }
}

// Args: record bytes, readers, records per publish (1: each record made visible on its own; 32:
// Publish::Later and one publish() per 32, as the worker does once per loop iteration).
void BM_ShmRingFanout(benchmark::State& state) {
    const auto bytes = static_cast<std::size_t>(state.range(0));
    const auto readers = static_cast<int>(state.range(1));
    const auto batch = static_cast<std::uint64_t>(state.range(2));
    const std::string name = "shoal-bench-ring-" + std::to_string(::getpid());
    shoal::bus::Segment::remove(name);
    auto seg = shoal::bus::Segment::create(name, ring_config());
    if (!seg.ok()) return state.SkipWithError("segment create failed");
    std::vector<Reader> rs(static_cast<std::size_t>(readers));
    for (int i = 0; i < readers; ++i) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
            return state.SkipWithError("socketpair");
        rs[static_cast<std::size_t>(i)].pid = ::fork();
        if (rs[static_cast<std::size_t>(i)].pid == 0) {
            ::close(sv[0]);
            ring_reader_main(name, static_cast<std::uint32_t>(i + 1), sv[1]);
        }
        ::close(sv[1]);
        rs[static_cast<std::size_t>(i)].fd = sv[0];
    }
    for (int i = 1; i <= readers; ++i) {
        while (seg->slot(static_cast<std::uint32_t>(i)).state.load() !=
               shoal::bus::SlotState::Running) {
            ::sched_yield();
        }
    }
    shoal::bus::RingWriter writer(seg.value(), 0, 1);
    if (!writer.recover().ok()) return state.SkipWithError("recover failed");
    const std::vector<std::byte> record(bytes, std::byte{'r'});
    std::uint64_t records = 0;
    for (auto _ : state) {
        if ((records & 63) == 0) wait_for_readers(seg.value(), writer.tail(), readers);
        const bool last_of_batch = (records + 1) % batch == 0;
        const auto when = last_of_batch ? shoal::bus::Publish::Now : shoal::bus::Publish::Later;
        if (!writer.try_write(kDataType, record, when)) state.SkipWithError("try_write");
        ++records;
    }
    writer.publish();
    wait_for_readers(seg.value(), writer.tail(), readers);
    writer.try_write(kEndType, {});
    double reader_cpu = 0;
    std::uint64_t lost = 0;
    bool complete = true;
    for (Reader& r : rs) {
        std::uint64_t answer[2] = {0, 0};
        complete = complete && ::read(r.fd, answer, sizeof answer) == sizeof answer &&
                   answer[0] == records;
        lost += answer[1];
        ::close(r.fd);
        int status = 0;
        rusage ru{};
        ::wait4(r.pid, &status, 0, &ru);
        reader_cpu += cpu_s(ru);
    }
    shoal::bus::Segment::remove(name);
    if (!complete) state.SkipWithError("a reader did not receive every record");
    state.SetItemsProcessed(static_cast<std::int64_t>(records));
    state.SetBytesProcessed(static_cast<std::int64_t>(records * bytes));
    state.counters["lost"] = static_cast<double>(lost);
    state.counters["cpu_ns_per_msg"] =
        records == 0
            ? 0.0
            : reader_cpu * 1e9 / static_cast<double>(records * static_cast<std::uint64_t>(readers));
}

BENCHMARK(BM_ShmRingFanout)
    ->ArgNames({"bytes", "readers", "batch"})
    ->Args({64, 1, 1})
    ->Args({1024, 1, 1})
    ->Args({64, 1, 32})
    ->Args({1024, 1, 32})
    ->Args({64, 3, 1})
    ->UseRealTime();

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
