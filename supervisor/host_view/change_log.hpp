// SPDX-License-Identifier: MIT
// ChangeLog: the host view's host-wide changes as debug log lines, one per topic occupied or
// vacated and one per member added or removed (a user's first / last connection over all
// workers). An operator's window on the view, and what the integration test observes.
#pragma once

#include <string_view>

#include "common/log.hpp"
#include "supervisor/host_view/host_view_sink.hpp"

namespace shoal::host_view {

class ChangeLog final : public HostObserver {
  public:
    void on_occupied(std::string_view topic) override {
        SHOAL_DEBUG("host view: channel occupied: topic=%.*s", len(topic), topic.data());
    }
    void on_vacated(std::string_view topic) override {
        SHOAL_DEBUG("host view: channel vacated: topic=%.*s", len(topic), topic.data());
    }
    void on_member_added(std::string_view topic, std::string_view user, std::string_view) override {
        SHOAL_DEBUG("host view: member added: topic=%.*s user=%.*s", len(topic), topic.data(),
                    len(user), user.data());
    }
    void on_member_removed(std::string_view topic, std::string_view user) override {
        SHOAL_DEBUG("host view: member removed: topic=%.*s user=%.*s", len(topic), topic.data(),
                    len(user), user.data());
    }

  private:
    static int len(std::string_view s) noexcept { return static_cast<int>(s.size()); }
};

}  // namespace shoal::host_view
