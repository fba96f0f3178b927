// SPDX-License-Identifier: MIT
// The only schemas the bus defines: the supervisor's lifecycle records on the control ring
// (ring index `slots`). Trivially copyable; decode checks the exact size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace shoal::bus {

struct WorkerUp {
    static constexpr std::int32_t kType = 0x5301;
    std::uint32_t slot;
    std::uint32_t reserved;
    std::uint64_t epoch;
};

struct WorkerDown {
    static constexpr std::int32_t kType = 0x5302;
    std::uint32_t slot;
    std::uint32_t reserved;
    std::uint64_t epoch;
};

// The supervisor replaced the apps snapshot (docs/apps.md): every worker re-reads it.
struct AppsChanged {
    static constexpr std::int32_t kType = 0x5303;
    std::uint64_t generation;
};

inline constexpr std::int32_t kWorkerUpType = WorkerUp::kType;
inline constexpr std::int32_t kWorkerDownType = WorkerDown::kType;

static_assert(std::is_trivially_copyable_v<WorkerUp> && sizeof(WorkerUp) == 16);
static_assert(std::is_trivially_copyable_v<WorkerDown> && sizeof(WorkerDown) == 16);
static_assert(std::is_trivially_copyable_v<AppsChanged> && sizeof(AppsChanged) == 8);

template <class T>
std::span<const std::byte> control_bytes(const T& record) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    return {reinterpret_cast<const std::byte*>(&record), sizeof record};
}

// False (and `out` untouched) unless `payload` is exactly one T.
template <class T>
bool decode_control(std::span<const std::byte> payload, T& out) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    if (payload.size() != sizeof(T)) return false;
    std::memcpy(&out, payload.data(), sizeof(T));
    return true;
}

}  // namespace shoal::bus
