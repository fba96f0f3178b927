// SPDX-License-Identifier: MIT
// ChangeLog: the host view's host-wide changes as debug log lines, one per topic occupied or
// vacated and one per member added or removed (a user's first / last connection over all
// workers). An operator's window on the view, and what the integration test observes. Topics are
// printed as their channel name and app; an app's connection topic (its quota count) is no
// channel and is not printed.
#pragma once

#include <string_view>

#include "common/apps/app_topic.hpp"
#include "common/log.hpp"
#include "supervisor/host_view/host_view_sink.hpp"

namespace shoal::host_view {

class ChangeLog final : public HostObserver {
  public:
    void on_occupied(std::string_view topic) override {
        if (!channel(topic)) return;
        SHOAL_DEBUG("host view: channel occupied: topic=%.*s app=%.*s", name(topic),
                    common::topic_name(topic).data(), app(topic), topic.data());
    }
    void on_vacated(std::string_view topic) override {
        if (!channel(topic)) return;
        SHOAL_DEBUG("host view: channel vacated: topic=%.*s app=%.*s", name(topic),
                    common::topic_name(topic).data(), app(topic), topic.data());
    }
    void on_member_added(std::string_view topic, std::string_view user, std::string_view) override {
        SHOAL_DEBUG("host view: member added: topic=%.*s user=%.*s app=%.*s", name(topic),
                    common::topic_name(topic).data(), len(user), user.data(), app(topic),
                    topic.data());
    }
    void on_member_removed(std::string_view topic, std::string_view user) override {
        SHOAL_DEBUG("host view: member removed: topic=%.*s user=%.*s app=%.*s", name(topic),
                    common::topic_name(topic).data(), len(user), user.data(), app(topic),
                    topic.data());
    }

  private:
    static int len(std::string_view s) noexcept { return static_cast<int>(s.size()); }
    static int name(std::string_view topic) noexcept { return len(common::topic_name(topic)); }
    static int app(std::string_view topic) noexcept { return len(common::topic_app(topic)); }
    static bool channel(std::string_view topic) noexcept {
        return !common::topic_app(topic).empty();
    }
};

}  // namespace shoal::host_view
