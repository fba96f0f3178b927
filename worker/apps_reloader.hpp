// SPDX-License-Identifier: MIT
// AppsReloader: the worker's side of an apps reload. The supervisor validates the user's apps
// file, writes a snapshot of it and announces AppsChanged on the control ring; each worker then
// re-reads the snapshot here and installs it (WorkerApp::replace_apps). A hash of the text last
// installed is kept (not the text: 1.6 MB for 10,000 apps) so that a repeated announcement, or the
// check made once the bus is up (a reload that raced the worker's start), costs a read and a hash.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/apps/app.hpp"
#include "common/config.hpp"
#include "common/result.hpp"
#include "worker/worker_app.hpp"

namespace shoal::worker {

// The apps a worker starts with: config.apps_file parsed, or the app of the --app-* flags.
common::Result<common::AppSet> initial_apps(const common::Config& config, std::string& text);

class AppsReloader {
  public:
    AppsReloader(std::string path, std::string_view text, WorkerApp& app)
        : path_(std::move(path)), hash_(std::hash<std::string_view>{}(text)), app_(app) {}

    // Re-reads the snapshot; a file that does not parse is logged and the apps stay as they are.
    void reload();
    // Gives the memory a parse used back to the system.
    static void trim() noexcept;
    // For HubBridge::on_apps_changed.
    static void on_changed(void* self) { static_cast<AppsReloader*>(self)->reload(); }

  private:
    std::string path_;
    std::size_t hash_;
    WorkerApp& app_;
};

}  // namespace shoal::worker
