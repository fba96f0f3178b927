// SPDX-License-Identifier: MIT
#include "worker/channel/app_directory.hpp"

#include "common/apps/app_topic.hpp"

namespace shoal::channel {

AppDirectory::AppDirectory(ChannelHub& hub, common::AppSet apps)
    : hub_(hub), current_(std::make_unique<common::AppSet>(std::move(apps))) {}

Admission AppDirectory::admit(const common::App* app, ConnId conn, ProtocolTag tag) {
    if (!app) return Admission::UnknownApp;
    if (!app->enabled) return Admission::Disabled;
    std::uint32_t quota = app->limits.max_connections;
    if (quota == 0) return Admission::Admitted;
    std::string topic = common::connection_topic(app->id);
    // Other workers' connections count as of their last announcement: two workers admitting at
    // the same instant can each take the last place (docs/apps.md).
    if (hub_.subscription_count(topic) >= quota) return Admission::OverQuota;
    hub_.subscribe(topic, conn, tag);
    return Admission::Admitted;
}

void AppDirectory::release(const common::App& app, ConnId conn) {
    // Whether or not the app had a quota when conn was admitted: unsubscribing a connection that
    // is not there is a lookup, and reloads may have added or removed the quota since.
    hub_.unsubscribe(common::connection_topic(app.id), conn);
}

std::size_t AppDirectory::connections(const common::App& app) const noexcept {
    return hub_.subscription_count(common::connection_topic(app.id));
}

void AppDirectory::replace(common::AppSet next) {
    previous_ = std::move(current_);
    current_ = std::make_unique<common::AppSet>(std::move(next));
}

const common::App* AppDirectory::moved(const common::App& old, ConnId conn, ProtocolTag tag) {
    const common::App* now = current_->find_id(old.id);
    if (!now) {
        release(old, conn);
        return nullptr;
    }
    // A connection already open stays open when a quota appears or shrinks; it is counted so
    // that new connections see the real total.
    std::string topic = common::connection_topic(now->id);
    if (now->limits.max_connections > 0)
        hub_.subscribe(topic, conn, tag);
    else
        hub_.unsubscribe(topic, conn);
    return now;
}

}  // namespace shoal::channel
