// SPDX-License-Identifier: MIT
// Catch2's main, compiled once and linked into every test executable that does not bring its own.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
