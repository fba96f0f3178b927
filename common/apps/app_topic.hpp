// SPDX-License-Identifier: MIT
// Topics are scoped by app: "<app id>\x1f<channel name>". The channel core, the bus, the host view
// and the Redis relay move topics as opaque bytes, so scoping them here, where a name enters the
// server, isolates apps everywhere at once: the same channel name in two apps is two topics on
// every worker and every host. App ids are plain ([A-Za-z0-9._-], apps_file.cpp), so the first
// separator always ends the id, whatever bytes the name holds.
//
// "<app id>\x1e" (no name) is the app's connection topic: connections of an app with a connection
// quota subscribe to it, so the host-wide topic counts the bus already keeps are the app's
// host-wide connection count. No name can reach it, and channel listings never see it.
#pragma once

#include <string>
#include <string_view>

namespace shoal::common {

inline constexpr char kTopicSeparator = '\x1f';
inline constexpr char kConnectionTopicMark = '\x1e';

inline void scope_topic(std::string& out, std::string_view app_id, std::string_view name) {
    out.clear();
    out.reserve(app_id.size() + 1 + name.size());
    out.append(app_id).push_back(kTopicSeparator);
    out.append(name);
}

inline std::string scope_topic(std::string_view app_id, std::string_view name) {
    std::string out;
    scope_topic(out, app_id, name);
    return out;
}

inline std::string connection_topic(std::string_view app_id) {
    std::string out(app_id);
    out.push_back(kConnectionTopicMark);
    return out;
}

// The channel name of a scoped topic (the whole topic when it is not scoped).
inline std::string_view topic_name(std::string_view topic) noexcept {
    auto sep = topic.find(kTopicSeparator);
    return sep == std::string_view::npos ? topic : topic.substr(sep + 1);
}

// The app id of a scoped topic, or empty.
inline std::string_view topic_app(std::string_view topic) noexcept {
    auto sep = topic.find(kTopicSeparator);
    return sep == std::string_view::npos ? std::string_view{} : topic.substr(0, sep);
}

// False for an app's connection topic: it counts connections, it is no channel.
inline bool is_channel_topic(std::string_view topic) noexcept {
    return topic.find(kTopicSeparator) != std::string_view::npos;
}

// The prefix every topic of app_id starts with ("<app id>\x1f").
inline std::string topic_prefix(std::string_view app_id) {
    return scope_topic(app_id, {});
}

}  // namespace shoal::common
