// SPDX-License-Identifier: MIT
// bench-links: shoal_bus
// One writer process to 1 and 3 reader processes: the shm_bus ring (busy-polling and blocking
// readers), a Unix domain socket (one send per record per reader) and a Boost.Interprocess
// message_queue, in the same run; then wake-up latency. Prints a table of ratios at the end.
// The writer here waits for slow readers (flow control of the harness, not of the bus), so every
// figure is records delivered to every reader, with loss reported (it must be 0).
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/interprocess/ipc/message_queue.hpp>

#include "bench/ring_bench_support.hpp"
#include "common/clock.hpp"
#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "shm_bus/wakeup.hpp"

namespace {
using namespace shoal;
using namespace shoal::bench;
namespace ipc = boost::interprocess;
constexpr std::int32_t kStopType = 99;

double seconds_since(std::uint64_t t0) {
    return (common::monotonic_ns() - t0) / 1e9;
}

std::size_t records_per_iteration(std::size_t bytes, bool ring) {
    if (ring) return std::clamp<std::size_t>((512u << 20) / bytes, 100'000, 2'000'000);
    return bytes >= 4096 ? 40'000 : 100'000;
}

struct AlignedBuf {
    explicit AlignedBuf(std::size_t n)
        : p(static_cast<std::byte*>(
              ::operator new (std::max<std::size_t>(n, 64), std::align_val_t{64}))) {
        std::memset(p, 0x5a, std::max<std::size_t>(n, 64));
    }
    ~AlignedBuf() { ::operator delete (p, std::align_val_t{64}); }
    std::byte* p;
};

void wait_received(Shared& sh, int readers, std::uint64_t target, bus::Wakeup* wake) {
    for (int r = 0; r < readers; ++r)
        while (sh.received[r].load(std::memory_order_acquire) < target) {
            if (wake != nullptr) wake->notify_idle_readers();
            ::sched_yield();
        }
}

void finish(benchmark::State& state, const char* transport, std::size_t bytes, int readers,
            std::uint64_t records, double secs, Shared& sh) {
    state.SetItemsProcessed(static_cast<std::int64_t>(records));
    state.SetBytesProcessed(static_cast<std::int64_t>(records * bytes));
    std::uint64_t lost = 0;
    for (int r = 0; r < readers; ++r)
        lost += sh.lost[r].load();
    state.counters["lost"] = static_cast<double>(lost);
    if (secs > 0)
        rates().records_per_s[{transport, static_cast<int>(bytes), readers}].push_back(records /
                                                                                       secs);
}

// ---- shm_bus ring ----------------------------------------------------------------------------

struct CountSink {
    std::uint64_t count = 0;
    std::uint64_t lost = 0;
    std::uint64_t touch = 0;
    bool stop = false;
    std::uint64_t* latency_out = nullptr;
    void on_record(std::int32_t type, std::span<const std::byte> p) noexcept {
        if (type == kStopType) {
            stop = true;
            return;
        }
        if (!p.empty()) touch += static_cast<std::uint8_t>(p[p.size() - 1]);
        if (latency_out != nullptr && p.size() >= 8) {
            std::uint64_t ts;
            std::memcpy(&ts, p.data(), 8);
            *latency_out = common::monotonic_ns() - ts;
        }
        ++count;
    }
    void on_lost(std::uint64_t records, std::uint64_t) noexcept { lost += records; }
};

int ring_reader_main(const std::string& name, const bus::BusConfig& cfg, int r,
                     const std::vector<int>& fds, bool blocking, bool latency, Shared* sh) {
    auto seg = bus::Segment::attach(name, cfg);
    if (!seg.ok()) return 2;
    const std::uint32_t slot = static_cast<std::uint32_t>(r + 1);
    bus::RingReader reader(seg.value(), 0);
    bus::Wakeup wake(seg.value(), fds, slot);
    CountSink sink;
    std::uint64_t lat = 0;
    if (latency) sink.latency_out = &lat;
    auto& pos = seg->slot(slot).read_position[0];
    pos.store(reader.position());
    sh->ready[r].store(1);
    int idle_spins = 0;
    while (!sink.stop) {
        const std::size_t n = reader.poll(sink, 4096);
        pos.store(reader.position(), std::memory_order_relaxed);
        if (latency && n > 0) sh->latency_ns[(sink.count - 1) % kLatencySamples].store(lat);
        sh->received[r].store(sink.count, std::memory_order_release);
        sh->lost[r].store(sink.lost, std::memory_order_relaxed);
        if (n > 0) {
            idle_spins = 0;
            continue;
        }
        if (blocking) {
            wake.prepare_to_sleep();
            if (reader.has_data()) {
                wake.cancel_sleep();
                continue;
            }
            pollfd p{wake.fd(), POLLIN, 0};
            ::poll(&p, 1, 100);
            wake.clear();
        } else if (++idle_spins > 64) {
            ::sched_yield();
        } else {
            // Back off before looking at tail again: every look pulls the writer's position line
            // over, and the writer's next store has to pull it back.
            for (int k = 0; k < 16; ++k)
                __builtin_ia32_pause();
        }
    }
    return sink.touch == 0xFFFFFFFFFFFFFFFFull ? 1 : 0;
}

struct RingRun {
    std::string name = "shoal-bench-" + std::to_string(::getpid());
    bus::BusConfig cfg{4, 4u << 20, 64 * 1024};
    SharedMem sh;
    std::vector<int> fds;
    std::vector<pid_t> pids;
    std::unique_ptr<bus::Segment> seg;

    RingRun(int readers, bool blocking, bool latency) {
        bus::Segment::remove(name);
        seg = std::make_unique<bus::Segment>(std::move(bus::Segment::create(name, cfg).value()));
        fds = std::move(bus::create_wakeup_fds(cfg.slots).value());
        for (int r = 0; r < readers; ++r)
            pids.push_back(fork_reader([&, r] {
                return ring_reader_main(name, cfg, r, fds, blocking, latency, &sh.get());
            }));
        for (int r = 0; r < readers; ++r)
            while (sh->ready[r].load() == 0)
                ::sched_yield();
    }
    ~RingRun() {
        reap(pids);
        bus::close_wakeup_fds(fds);
        bus::Segment::remove(name);
    }
};

// Harness flow control: keep the writer within half a ring of the slowest reader.
void keep_within_half_ring(const bus::Segment& seg, std::uint64_t tail, int readers,
                           bus::Wakeup& wake, bool blocking) {
    const std::uint64_t limit = seg.config().ring_bytes / 2;
    for (;;) {
        std::uint64_t slowest = tail;
        for (int r = 0; r < readers; ++r)
            slowest =
                std::min(slowest, seg.slot(r + 1).read_position[0].load(std::memory_order_relaxed));
        if (tail - slowest <= limit) return;
        if (blocking) wake.notify_idle_readers();
        ::sched_yield();
    }
}

// batch 1: every record published on its own (Publish::Now); batch 32: Publish::Later and one
// publish() per 32 records, the way a worker publishes once per loop iteration.
void BM_Ring(benchmark::State& state, bool blocking, int batch) {
    const std::size_t bytes = static_cast<std::size_t>(state.range(0));
    const int readers = static_cast<int>(state.range(1));
    RingRun run(readers, blocking, false);
    bus::RingWriter w(*run.seg, 0, 1);
    (void)w.recover();
    bus::Wakeup wake(*run.seg, run.fds, 0);
    AlignedBuf payload(bytes);
    const std::size_t n = records_per_iteration(bytes, true);
    // Look at the readers' positions every 256 records or 64 KiB, whichever comes first.
    const std::size_t check_every = std::clamp<std::size_t>((64u << 10) / bytes, 1, 256);
    std::uint64_t sent = 0;
    double total = 0;
    for (auto _ : state) {
        const std::uint64_t t0 = common::monotonic_ns();
        const bus::Publish when = batch == 1 ? bus::Publish::Now : bus::Publish::Later;
        for (std::size_t i = 0; i < n; ++i) {
            if (i % check_every == 0)
                keep_within_half_ring(*run.seg, w.tail(), readers, wake, blocking);
            w.try_write(1, {payload.p, bytes}, when);
            if (static_cast<int>(i % batch) == batch - 1) {
                w.publish();
                if (blocking) wake.notify_idle_readers();
            }
        }
        w.publish();
        sent += n;
        wake.notify_idle_readers();
        wait_received(run.sh.get(), readers, sent, blocking ? &wake : nullptr);
        const double s = seconds_since(t0);
        total += s;
        state.SetIterationTime(s);
    }
    w.try_write(kStopType, {});
    wake.notify_idle_readers();
    const char* name = blocking ? "ring_blocking" : batch == 1 ? "ring_busy" : "ring_busy_batch";
    finish(state, name, bytes, readers, sent, total, run.sh.get());
}

// ---- Unix domain socket: one send per record per reader ----------------------------------------

int socket_reader_main(int fd, int r, Shared* sh, bool latency) {
    std::vector<std::byte> buf(64 * 1024);
    std::uint64_t count = 0;
    sh->ready[r].store(1);
    for (;;) {
        sh->waiting[r].store(1, std::memory_order_release);
        const ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
        if (got <= 1) break;  // a 1-byte record means stop
        if (latency) {
            std::uint64_t ts;
            std::memcpy(&ts, buf.data(), 8);
            sh->latency_ns[count % kLatencySamples].store(common::monotonic_ns() - ts);
        }
        sh->received[r].store(++count, std::memory_order_release);
    }
    return 0;
}

void BM_UnixSocket(benchmark::State& state) {
    const std::size_t bytes = static_cast<std::size_t>(state.range(0));
    const int readers = static_cast<int>(state.range(1));
    SharedMem sh;
    std::vector<int> fds;
    std::vector<pid_t> pids;
    for (int r = 0; r < readers; ++r) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
            return state.SkipWithError("socketpair");
        pids.push_back(fork_reader([&, r] {
            ::close(sv[0]);
            return socket_reader_main(sv[1], r, &sh.get(), false);
        }));
        ::close(sv[1]);
        fds.push_back(sv[0]);
    }
    AlignedBuf payload(bytes);
    const std::size_t n = records_per_iteration(bytes, false);
    std::uint64_t sent = 0;
    double total = 0;
    for (auto _ : state) {
        const std::uint64_t t0 = common::monotonic_ns();
        for (std::size_t i = 0; i < n; ++i)
            for (int fd : fds)
                (void)::send(fd, payload.p, bytes, 0);
        sent += n;
        wait_received(sh.get(), readers, sent, nullptr);
        const double s = seconds_since(t0);
        total += s;
        state.SetIterationTime(s);
    }
    for (int fd : fds) {
        (void)::send(fd, payload.p, 1, 0);
        ::close(fd);
    }
    reap(pids);
    finish(state, "unix_socket", bytes, readers, sent, total, sh.get());
}

// ---- Boost.Interprocess message_queue (baseline only: it keeps a mutex in shared memory) ------

void BM_MessageQueue(benchmark::State& state) {
    const std::size_t bytes = static_cast<std::size_t>(state.range(0));
    const int readers = static_cast<int>(state.range(1));
    SharedMem sh;
    std::vector<std::string> names;
    std::vector<std::unique_ptr<ipc::message_queue>> queues;
    std::vector<pid_t> pids;
    for (int r = 0; r < readers; ++r) {
        names.push_back("shoal-bench-mq-" + std::to_string(::getpid()) + "-" + std::to_string(r));
        ipc::message_queue::remove(names.back().c_str());
        queues.push_back(std::make_unique<ipc::message_queue>(ipc::create_only,
                                                              names.back().c_str(), 256, bytes));
        pids.push_back(fork_reader([&, r] {
            ipc::message_queue q(ipc::open_only, names[r].c_str());
            std::vector<std::byte> buf(bytes);
            std::uint64_t count = 0;
            sh->ready[r].store(1);
            for (;;) {
                ipc::message_queue::size_type got = 0;
                unsigned prio = 0;
                q.receive(buf.data(), buf.size(), got, prio);
                if (got <= 1) break;
                sh->received[r].store(++count, std::memory_order_release);
            }
            return 0;
        }));
    }
    AlignedBuf payload(bytes);
    const std::size_t n = records_per_iteration(bytes, false);
    std::uint64_t sent = 0;
    double total = 0;
    for (auto _ : state) {
        const std::uint64_t t0 = common::monotonic_ns();
        for (std::size_t i = 0; i < n; ++i)
            for (auto& q : queues)
                q->send(payload.p, bytes, 0);
        sent += n;
        wait_received(sh.get(), readers, sent, nullptr);
        const double s = seconds_since(t0);
        total += s;
        state.SetIterationTime(s);
    }
    for (auto& q : queues)
        q->send(payload.p, 1, 0);
    reap(pids);
    for (auto& nm : names)
        ipc::message_queue::remove(nm.c_str());
    finish(state, "message_queue", bytes, readers, sent, total, sh.get());
}

// ---- wake-up latency: a record sent to a reader that is asleep ---------------------------------

std::pair<double, double> percentiles(Shared& sh, int samples) {
    std::vector<std::uint64_t> v(static_cast<std::size_t>(samples));
    for (int i = 0; i < samples; ++i)
        v[i] = sh.latency_ns[i].load();
    std::sort(v.begin(), v.end());
    return {static_cast<double>(v[v.size() / 2]), static_cast<double>(v[v.size() * 99 / 100])};
}

void report_latency(benchmark::State& state, const char* name, Shared& sh) {
    const auto [p50, p99] = percentiles(sh, kLatencySamples);
    state.counters["p50_us"] = p50 / 1000;
    state.counters["p99_us"] = p99 / 1000;
    rates().latency_p50_p99_ns[name].push_back({p50, p99});
}

void BM_WakeupLatencyRing(benchmark::State& state) {
    RingRun run(1, true, true);
    bus::RingWriter w(*run.seg, 0, 1);
    (void)w.recover();
    bus::Wakeup wake(*run.seg, run.fds, 0);
    AlignedBuf payload(64);
    for (auto _ : state) {
        for (int k = 0; k < kLatencySamples; ++k) {
            // Only once the reader has declared itself idle, and had time to block in poll(2).
            while (run.seg->slot(1).idle.load() == 0)
                ::sched_yield();
            ::usleep(50);
            const std::uint64_t ts = common::monotonic_ns();
            std::memcpy(payload.p, &ts, 8);
            w.try_write(1, {payload.p, 64});
            wake.notify_idle_readers();
            while (run.sh->received[0].load() < static_cast<std::uint64_t>(k + 1))
                ::sched_yield();
        }
    }
    w.try_write(kStopType, {});
    wake.notify_idle_readers();
    report_latency(state, "ring", run.sh.get());
}

void BM_WakeupLatencySocket(benchmark::State& state) {
    SharedMem sh;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) return state.SkipWithError("socketpair");
    const pid_t pid = fork_reader([&] {
        ::close(sv[0]);
        return socket_reader_main(sv[1], 0, &sh.get(), true);
    });
    ::close(sv[1]);
    AlignedBuf payload(64);
    for (auto _ : state) {
        for (int k = 0; k < kLatencySamples; ++k) {
            while (sh->waiting[0].load() == 0)
                ::sched_yield();
            ::usleep(50);
            sh->waiting[0].store(0);
            const std::uint64_t ts = common::monotonic_ns();
            std::memcpy(payload.p, &ts, 8);
            (void)::send(sv[0], payload.p, 64, 0);
            while (sh->received[0].load() < static_cast<std::uint64_t>(k + 1))
                ::sched_yield();
        }
    }
    (void)::send(sv[0], payload.p, 1, 0);
    ::close(sv[0]);
    ::waitpid(pid, nullptr, 0);
    report_latency(state, "unix_socket", sh.get());
}

void register_all() {
    for (int readers : {1, 3})
        for (int bytes : {16, 64, 256, 1024, 4096}) {
            auto args = [&](benchmark::internal::Benchmark* b) {
                b->Args({bytes, readers})->ArgNames({"bytes", "readers"})->UseManualTime();
                b->MinTime(0.2)->Unit(benchmark::kMillisecond);
            };
            args(benchmark::RegisterBenchmark("ring_busy", BM_Ring, false, 1));
            args(benchmark::RegisterBenchmark("ring_busy_batch32", BM_Ring, false, 32));
            args(benchmark::RegisterBenchmark("ring_blocking_batch32", BM_Ring, true, 32));
            args(benchmark::RegisterBenchmark("unix_socket", BM_UnixSocket));
            args(benchmark::RegisterBenchmark("message_queue", BM_MessageQueue));
        }
    benchmark::RegisterBenchmark("wakeup_latency_ring", BM_WakeupLatencyRing)->Iterations(1);
    benchmark::RegisterBenchmark("wakeup_latency_unix_socket", BM_WakeupLatencySocket)
        ->Iterations(1);
}
}  // namespace

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    rates().print();
    benchmark::Shutdown();
    return 0;
}
