// SPDX-License-Identifier: MIT
// SHOAL_ASSERT: the channel for bugs and broken invariants. It stays on in release builds; the core
// dump is the report, and the supervisor counts the abort as a crash.
#pragma once

namespace shoal::common::detail {
[[noreturn]] void assert_failed(const char* expr, const char* file, int line) noexcept;
}

#define SHOAL_ASSERT(cond)                                                     \
    do {                                                                       \
        if (__builtin_expect(!(cond), 0))                                      \
            ::shoal::common::detail::assert_failed(#cond, __FILE__, __LINE__); \
    } while (0)
