// SPDX-License-Identifier: MIT
#include "worker/codec/topic_policy.hpp"

namespace shoal::codec {

TopicAccess topic_access(std::string_view topic) noexcept {
    if (topic.starts_with('#')) return TopicAccess::Reserved;
    // private-encrypted- is a private- name: guarded as well.
    if (topic.starts_with("private-") || topic.starts_with("presence-") ||
        topic.starts_with("private:") || topic.starts_with("presence:"))
        return TopicAccess::Guarded;
    return TopicAccess::Public;
}

bool is_presence_topic(std::string_view topic) noexcept {
    return topic.starts_with("presence-") || topic.starts_with("presence:");
}

}  // namespace shoal::codec
