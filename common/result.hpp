// SPDX-License-Identifier: MIT
// Result<T>: the channel for environment failures (syscalls, shared memory, spawning, config).
// It carries an Errc, the errno of the failing call and context; it is logged once, where decided.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace shoal::common {

enum class Errc {
    Io,                 // a syscall failed; sys_errno says why
    Config,             // invalid configuration
    InvalidArgument,    // a caller passed something out of range
    NotFound,           // a named resource does not exist
    AlreadyExists,      // a named resource exists and may not be replaced
    Busy,               // held by someone else (the bus lock)
    BusLayoutMismatch,  // a segment's header does not match the expected layout
    TooLarge,           // a record or message over its configured maximum
    Spawn,              // starting a process failed
};

const char* errc_name(Errc code) noexcept;

struct Error {
    Errc code;
    int sys_errno = 0;
    std::string context;

    // nginx shape: "shm_open() failed: Permission denied: bus=shoal-6001"
    std::string message() const;
};

// An Error whose errno is taken from the failing call right now.
inline Error sys_error(std::string context, int err = errno) {
    return Error{Errc::Io, err, std::move(context)};
}

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    T* operator->() { return &value(); }
    T& operator*() & { return value(); }
    const Error& error() const { return std::get<1>(v_); }

    // Deeper layers add context instead of logging again (Aeron's AERON_APPEND_ERR).
    Result&& with_context(const std::string& more) && {
        if (!ok()) std::get<1>(v_).context += ": " + more;
        return std::move(*this);
    }

  private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : err_(std::move(error)), ok_(false) {}

    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error& error() const { return err_; }

  private:
    Error err_{Errc::Io, 0, {}};
    bool ok_ = true;
};

}  // namespace shoal::common
