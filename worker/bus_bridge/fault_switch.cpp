// SPDX-License-Identifier: MIT
// TEST-ONLY: parses SHOAL_FAULT_FILE; nothing in production sets it.
#include "worker/bus_bridge/fault_switch.hpp"

#include <cstdio>
#include <cstdlib>

#include "common/log.hpp"

namespace shoal::worker {
namespace {

bool is_separator(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ',';
}

bool names_slot(std::string_view who, int slot) {
    if (who == "*") return true;
    if (who.empty() || who.size() > 6) return false;
    int v = 0;
    for (char c : who) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    return v == slot;
}

}  // namespace

StartFault fault_for_slot(std::string_view contents, int slot) noexcept {
    std::size_t i = 0;
    while (i < contents.size()) {
        while (i < contents.size() && is_separator(contents[i]))
            ++i;
        std::size_t start = i;
        while (i < contents.size() && !is_separator(contents[i]))
            ++i;
        std::string_view tok = contents.substr(start, i - start);
        std::size_t colon = tok.find(':');
        std::string_view who = tok.substr(0, colon);
        if (tok.empty() || !names_slot(who, slot)) continue;
        if (colon == std::string_view::npos) return StartFault::Crash;
        if (tok.substr(colon + 1) == "config") return StartFault::ConfigError;
    }
    return StartFault::None;
}

void apply_start_fault(int slot) {
    const char* path = std::getenv(kEnvFaultFile);
    if (path == nullptr || *path == '\0' || slot < 0) return;
    std::FILE* f = std::fopen(path, "r");
    if (f == nullptr) return;
    char buf[512];
    std::size_t n = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    switch (fault_for_slot(std::string_view(buf, n), slot)) {
        case StartFault::None:
            return;
        case StartFault::Crash:
            SHOAL_ERROR("test fault: %s lists slot %d; aborting at start", path, slot);
            std::abort();
        case StartFault::ConfigError:
            SHOAL_ERROR("test fault: %s lists slot %d:config; exiting 78", path, slot);
            std::_Exit(78);
    }
}

}  // namespace shoal::worker
