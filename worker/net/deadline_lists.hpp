// SPDX-License-Identifier: MIT
// DeadlineLists: the timeouts of every connection without a uv_timer_t each (152 bytes). Each
// kind of timeout has its own list sorted by due time; a list whose entries all use one delay
// (handshake, close, idle, grace, resume, frame) only ever appends at the tail, so arming is O(1).
// The owner runs one loop timer for the earliest due time of all lists (next_due()).
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace shoal::net {

// Embedded in the object whose timeout it is (32 bytes, 25 used). Not a POD for layout (its
// members have initialisers), so a class deriving from it puts its own first small fields in
// the 7 bytes of tail padding (Connection does: connection_size_test).
struct DeadlineLink {
    static constexpr std::uint8_t kNone = 0xFF;
    DeadlineLink* prev = nullptr;
    DeadlineLink* next = nullptr;
    std::uint64_t due_ms = 0;
    std::uint8_t list = kNone;

    bool armed() const noexcept { return list != kNone; }
};

class DeadlineLists {
  public:
    static constexpr std::uint8_t kLists = 6;
    static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

    DeadlineLists() = default;
    DeadlineLists(const DeadlineLists&) = delete;
    DeadlineLists& operator=(const DeadlineLists&) = delete;

    // Puts link on `list` due at due_ms (moving it if it was armed), keeping the list sorted:
    // searched from the tail, so O(1) unless due_ms is earlier than entries armed before it.
    void arm(DeadlineLink& link, std::uint8_t list, std::uint64_t due_ms) noexcept;
    void disarm(DeadlineLink& link) noexcept;
    // The earliest due time of all lists, or kNever.
    std::uint64_t next_due() const noexcept;
    // Unlinks and returns a link due at now_ms or before, or nullptr when none is.
    DeadlineLink* pop_due(std::uint64_t now_ms) noexcept;
    std::size_t size() const noexcept { return size_; }

  private:
    struct List {
        DeadlineLink* head = nullptr;
        DeadlineLink* tail = nullptr;
    };
    std::array<List, kLists> lists_{};
    std::size_t size_ = 0;
};

}  // namespace shoal::net
