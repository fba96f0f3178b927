// SPDX-License-Identifier: MIT
// The apps file (--apps FILE, docs/apps.md): JSON, either an array of app objects or
// {"apps": [...]}. Parsing is strict: an unknown field, a wrong type, a value out of range or a
// duplicate id or key refuses the whole file with one message naming the app and the field, so a
// typo never silently turns a limit off. The supervisor validates the file before it starts any
// worker and on every reload; workers parse the supervisor's snapshot of the same bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/apps/app.hpp"
#include "common/result.hpp"

namespace shoal::common {

inline constexpr std::size_t kMaxApps = 100'000;
inline constexpr std::size_t kMaxAppsFileBytes = 64u << 20;

Result<std::vector<App>> parse_apps(std::string_view json);
// Reads and parses path; the error names the file.
Result<std::vector<App>> load_apps_file(const std::string& path);
// The file's bytes, read whole (kMaxAppsFileBytes at most).
Result<std::string> read_apps_file(const std::string& path);

}  // namespace shoal::common
