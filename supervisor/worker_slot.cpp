// SPDX-License-Identifier: MIT
// Names of slot phases, for logs.
#include "supervisor/worker_slot.hpp"

namespace shoal::sup {

const char* slot_phase_name(SlotPhase phase) noexcept {
    switch (phase) {
        case SlotPhase::Idle:
            return "idle";
        case SlotPhase::Running:
            return "running";
        case SlotPhase::Stopping:
            return "stopping";
        case SlotPhase::Backoff:
            return "backoff";
        case SlotPhase::BreakerOpen:
            return "breaker-open";
        case SlotPhase::Stopped:
            return "stopped";
    }
    return "idle";
}

}  // namespace shoal::sup
