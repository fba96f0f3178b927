// SPDX-License-Identifier: MIT
// Binds common::Config to CLI11 flags (each also readable from a SHOAL_* environment variable) and
// renders a Config back into flags, so a worker started by exec parses what its supervisor parsed.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/config.hpp"

namespace shoal::sup {

// Flags shared by `serve` and `worker`. Text-valued settings are parsed into `scratch` first and
// applied by apply_scratch(), so CLI11 never needs to know shoal's enums.
struct CliScratch {
    std::string log_level = "info";
    std::string log_format = "text";
    std::string compression = "off";
};

void add_config_options(CLI::App& app, common::Config& config, CliScratch& scratch);
// `--config FILE`: the same settings from a TOML/INI file (`cluster = "redis://..."`, one
// `flag-name = value` per line); flags given on the command line win.
void add_config_file_option(CLI::App& app);
common::Result<void> apply_scratch(const CliScratch& scratch, common::Config& config);

std::vector<std::string> to_args(const common::Config& config);

}  // namespace shoal::sup
