// SPDX-License-Identifier: MIT
// A WsFrameSink that records what the parser delivers, for the codec tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "worker/codec/ws_frame_parser.hpp"

namespace shoal::test {

struct WsEvent {
    codec::WsOpcode op;
    std::string payload;
    std::uint16_t code = 0;
};

class RecordingSink final : public codec::WsFrameSink {
  public:
    std::vector<WsEvent> events;
    bool on_ws_message(codec::WsOpcode op, char* data, std::size_t len) override {
        events.push_back({op, std::string(data, len)});
        return true;
    }
    bool on_ws_ping(std::string_view p) override {
        events.push_back({codec::WsOpcode::Ping, std::string(p)});
        return true;
    }
    bool on_ws_pong(std::string_view p) override {
        events.push_back({codec::WsOpcode::Pong, std::string(p)});
        return true;
    }
    bool on_ws_close(std::uint16_t code, std::string_view reason) override {
        events.push_back({codec::WsOpcode::Close, std::string(reason), code});
        return true;
    }
};

}  // namespace shoal::test
