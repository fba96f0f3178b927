// SPDX-License-Identifier: MIT
#include "common/result.hpp"

#include <cstring>

namespace shoal::common {

const char* errc_name(Errc code) noexcept {
    switch (code) {
        case Errc::Io:
            return "io";
        case Errc::Config:
            return "config";
        case Errc::InvalidArgument:
            return "invalid argument";
        case Errc::NotFound:
            return "not found";
        case Errc::AlreadyExists:
            return "already exists";
        case Errc::Busy:
            return "busy";
        case Errc::BusLayoutMismatch:
            return "bus layout mismatch";
        case Errc::TooLarge:
            return "too large";
        case Errc::Spawn:
            return "spawn failed";
    }
    return "unknown";
}

std::string Error::message() const {
    std::string out = context.empty() ? errc_name(code) : context;
    if (sys_errno != 0) {
        char buf[128];
        out += ": ";
        out += strerror_r(sys_errno, buf, sizeof buf);
    } else if (!context.empty() && code != Errc::Io) {
        out += ": ";
        out += errc_name(code);
    }
    return out;
}

}  // namespace shoal::common
