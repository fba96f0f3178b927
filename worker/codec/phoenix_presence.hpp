// SPDX-License-Identifier: MIT
// Phoenix.Presence payloads, rendered as appends to a caller-owned buffer: one meta per
// connection ({"phx_ref": ..., ...user_info}), {key: {metas: [...]}} entries for presence_state
// and presence_diff, and the phx_ref naming one connection on one worker start. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::codec {

// phx_ref of connection conn of worker (slot, epoch): the same text on every worker, so a leave
// rendered from the replica names the meta its join put there.
void append_phx_ref(std::string& out, std::uint32_t slot, std::uint64_t epoch, std::uint64_t conn);

// {"phx_ref":"<ref>", ...the members of info_json}. A non-object info goes under "user_info".
void append_presence_meta(std::string& out, std::string_view phx_ref, std::string_view info_json);

// "<key>":{"metas":[  ... the caller appends metas separated by ',' ... then close_presence_entry.
void open_presence_entry(std::string& out, std::string_view key);
void close_presence_entry(std::string& out);

// data as a JSON value when it is one (HTTP API data is usually JSON text), else as a string.
void append_json_or_string(std::string& out, std::string_view data);
bool is_json_value(std::string_view text) noexcept;

}  // namespace shoal::codec
