// SPDX-License-Identifier: MIT
// The live status page served at GET /dashboard: one self-contained HTML document (inline CSS
// and script, no external assets, so it works offline) that polls GET /status once a second and
// draws workers, connections and a one-minute messages-per-second chart in inline SVG.
#pragma once

#include <string_view>

namespace shoal::obs {

extern const std::string_view kDashboardHtml;

}  // namespace shoal::obs
