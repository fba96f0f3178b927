// SPDX-License-Identifier: MIT
// AppsSnapshot: the supervisor's side of the apps file. The user's file is validated whole
// (common/apps/apps_file.hpp) before any worker starts and on every reload; only a file that
// passes is copied to the snapshot beside the bus (/dev/shm/<bus>.apps.json, written to a
// temporary name and renamed, so a worker never reads half a file). Workers read the snapshot,
// never the user's file: an edit in progress, or a file that turned bad, never reaches them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/apps/app.hpp"
#include "common/result.hpp"

namespace shoal::sup {

class AppsSnapshot {
  public:
    // Validates user_file and writes the first snapshot; the error says what is wrong with it.
    static common::Result<AppsSnapshot> create(std::string user_file, const std::string& bus_name);

    // Re-reads the user's file; a valid one replaces the snapshot and the generation goes up.
    // On error the snapshot and the generation stay as they were.
    common::Result<std::size_t> reload();

    const std::string& path() const noexcept { return path_; }
    const std::string& user_file() const noexcept { return user_file_; }
    std::uint64_t generation() const noexcept { return generation_; }
    std::size_t app_count() const noexcept { return apps_; }
    // The apps of the current snapshot (the webhook sender signs and routes with them).
    const common::AppSet& apps() const noexcept { return set_; }
    // At shutdown.
    void unlink() const noexcept;

    static std::string path_for(const std::string& bus_name);

  private:
    AppsSnapshot(std::string user_file, std::string path)
        : user_file_(std::move(user_file)), path_(std::move(path)) {}

    std::string user_file_;
    std::string path_;
    std::uint64_t generation_ = 0;
    std::size_t apps_ = 0;
    common::AppSet set_;
};

}  // namespace shoal::sup
