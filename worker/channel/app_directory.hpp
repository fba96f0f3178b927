// SPDX-License-Identifier: MIT
// AppDirectory: the worker's view of its apps. It owns the current AppSet (and the one before the
// last reload, so connections can be moved from old App pointers to new ones), and it admits
// connections: an unknown key, a disabled app or a full connection quota each get their own
// answer. The quota is host-wide (and cluster-wide): a counted connection subscribes to its app's
// connection topic (common/apps/app_topic.hpp), whose host total the bus already maintains, so a
// worker restart or a lost host corrects the count the same way it corrects channel counts.
#pragma once

#include <memory>
#include <string_view>

#include "common/apps/app.hpp"
#include "worker/channel/channel_hub.hpp"

namespace shoal::channel {

enum class Admission { Admitted, UnknownApp, Disabled, OverQuota };

class AppDirectory {
  public:
    AppDirectory(ChannelHub& hub, common::AppSet apps);
    AppDirectory(const AppDirectory&) = delete;
    AppDirectory& operator=(const AppDirectory&) = delete;

    const common::AppSet& apps() const noexcept { return *current_; }
    const common::App* find_key(std::string_view key) const noexcept {
        return current_->find_key(key);
    }
    const common::App* find_id(std::string_view id) const noexcept { return current_->find_id(id); }
    const common::App& default_app() const noexcept { return current_->default_app(); }

    // Whether a new connection of `app` (null: its key is unknown) may open; when admitted the
    // connection `conn` of protocol `tag` is counted until release().
    Admission admit(const common::App* app, ConnId conn, ProtocolTag tag);
    void release(const common::App& app, ConnId conn);
    // Host-wide connections of an app with a quota (0 for an app without one).
    std::size_t connections(const common::App& app) const noexcept;

    // Installs next. Pointers into the set before stay valid until the following replace(), so
    // adapters can move each connection with moved() and close those that lost their app.
    void replace(common::AppSet next);
    // The app `old` became after the last replace() (null when it was removed), and keeps the
    // connection counted under the new app's quota.
    const common::App* moved(const common::App& old, ConnId conn, ProtocolTag tag);

  private:
    ChannelHub& hub_;
    std::unique_ptr<common::AppSet> current_;
    std::unique_ptr<common::AppSet> previous_;
};

}  // namespace shoal::channel
