// SPDX-License-Identifier: MIT
// How ring bytes are touched: fences of the seqlock-style protocol (C2, C3) and the reader's copy
// out of bytes a writer may be overwriting at that moment (copy-then-validate).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>

namespace shoal::bus::detail {

// GCC 12 rejects atomic_thread_fence under -fsanitize=thread (-Wtsan): TSan does not model fences.
// The fences still order the hardware the same way; the reader's racy copy below is what TSan
// must not see, and it is hidden from it on purpose.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define SHOAL_BUS_FENCE(order)                                                  \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wtsan\"") \
        std::atomic_thread_fence(order);                                        \
    _Pragma("GCC diagnostic pop")
#else
#define SHOAL_BUS_FENCE(order) std::atomic_thread_fence(order)
#endif

inline void fence_acquire() noexcept {
    SHOAL_BUS_FENCE(std::memory_order_acquire);
}
inline void fence_release() noexcept {
    SHOAL_BUS_FENCE(std::memory_order_release);
}
inline void fence_seq_cst() noexcept {
    SHOAL_BUS_FENCE(std::memory_order_seq_cst);
}

#if defined(SHOAL_SANITIZE_thread)
// A lapped reader may copy bytes the writer is overwriting; the copy is validated afterwards and
// discarded, so that race is by design. TSan would report it, so this copy is not instrumented.
__attribute__((no_sanitize("thread"), noinline)) inline void copy_from_ring(
    void* dst, const void* src, std::size_t n) noexcept {
    auto* d = static_cast<volatile unsigned char*>(dst);
    auto* s = static_cast<const volatile unsigned char*>(src);
    for (std::size_t i = 0; i < n; ++i)
        d[i] = s[i];
}
#else
inline void copy_from_ring(void* dst, const void* src, std::size_t n) noexcept {
    std::memcpy(dst, src, n);
}
#endif

}  // namespace shoal::bus::detail
