// SPDX-License-Identifier: MIT
// AppsReloader: the worker's side of an apps reload. The supervisor validates the user's apps
// file, writes a snapshot of it and announces AppsChanged on the control ring; each worker then
// re-reads the snapshot here and installs it (WorkerApp::replace_apps). The text last installed
// is kept so that a repeated announcement, or the check made once the bus is up (a reload that
// raced the worker's start), costs a read and a compare.
#pragma once

#include <string>

#include "common/apps/app.hpp"
#include "common/config.hpp"
#include "common/result.hpp"
#include "worker/worker_app.hpp"

namespace shoal::worker {

// The apps a worker starts with: config.apps_file parsed, or the app of the --app-* flags.
common::Result<common::AppSet> initial_apps(const common::Config& config, std::string& text);

class AppsReloader {
  public:
    AppsReloader(std::string path, std::string text, WorkerApp& app)
        : path_(std::move(path)), text_(std::move(text)), app_(app) {}

    // Re-reads the snapshot; a file that does not parse is logged and the apps stay as they are.
    void reload();
    // For HubBridge::on_apps_changed.
    static void on_changed(void* self) { static_cast<AppsReloader*>(self)->reload(); }

  private:
    std::string path_;
    std::string text_;
    WorkerApp& app_;
};

}  // namespace shoal::worker
