// SPDX-License-Identifier: MIT
#include "common/result.hpp"

#include <cerrno>

#include <catch2/catch.hpp>

using shoal::common::Errc;
using shoal::common::Error;
using shoal::common::Result;

TEST_CASE("Result: a value is ok and an error carries code, errno and context", "[common]") {
    Result<int> good = 42;
    REQUIRE(good.ok());
    REQUIRE(good.value() == 42);

    Result<int> bad = shoal::common::sys_error("shm_open() failed", ENOENT);
    REQUIRE_FALSE(bad.ok());
    REQUIRE(bad.error().code == Errc::Io);
    REQUIRE(bad.error().message() == "shm_open() failed: No such file or directory");
}

TEST_CASE("Result: context is appended, never replaced", "[common]") {
    Result<int> r = std::move(Result<int>(shoal::common::sys_error("open() failed", EACCES)))
                        .with_context("bus=shoal-6001");
    REQUIRE(r.error().message() == "open() failed: bus=shoal-6001: Permission denied");
}

TEST_CASE("Result<void>: default is ok; an error names its code", "[common]") {
    Result<void> ok;
    REQUIRE(ok.ok());
    Result<void> bad = Error{Errc::Config, 0, "--port"};
    REQUIRE_FALSE(bad.ok());
    REQUIRE(bad.error().message() == "--port: config");
}
