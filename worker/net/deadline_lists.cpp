// SPDX-License-Identifier: MIT
// Sorted intrusive lists: insertion from the tail, removal in O(1), expiry from the heads.
#include "worker/net/deadline_lists.hpp"

#include "common/assert.hpp"

namespace shoal::net {

void DeadlineLists::disarm(DeadlineLink& link) noexcept {
    if (!link.armed()) return;
    List& l = lists_[link.list];
    (link.prev ? link.prev->next : l.head) = link.next;
    (link.next ? link.next->prev : l.tail) = link.prev;
    link.prev = link.next = nullptr;
    link.list = DeadlineLink::kNone;
    --size_;
}

void DeadlineLists::arm(DeadlineLink& link, std::uint8_t list, std::uint64_t due_ms) noexcept {
    SHOAL_ASSERT(list < kLists);
    disarm(link);
    List& l = lists_[list];
    DeadlineLink* after = l.tail;
    while (after && after->due_ms > due_ms)
        after = after->prev;
    link.list = list;
    link.due_ms = due_ms;
    link.prev = after;
    link.next = after ? after->next : l.head;
    (link.next ? link.next->prev : l.tail) = &link;
    (after ? after->next : l.head) = &link;
    ++size_;
}

std::uint64_t DeadlineLists::next_due() const noexcept {
    std::uint64_t due = kNever;
    for (const List& l : lists_)
        if (l.head && l.head->due_ms < due) due = l.head->due_ms;
    return due;
}

DeadlineLink* DeadlineLists::pop_due(std::uint64_t now_ms) noexcept {
    for (List& l : lists_) {
        if (l.head && l.head->due_ms <= now_ms) {
            DeadlineLink* link = l.head;
            disarm(*link);
            return link;
        }
    }
    return nullptr;
}

}  // namespace shoal::net
