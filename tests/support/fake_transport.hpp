// SPDX-License-Identifier: MIT
// A Transport with no sockets: it records what the protocol layer sends and closes, so session
// and HTTP API tests run in-process.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "worker/net/handler.hpp"

namespace shoal::test {

class FakeTransport final : public net::Transport {
  public:
    struct Sent {
        net::ConnId id;
        net::FrameRef frame;
    };
    struct Responded {
        net::ConnId id;
        net::HttpResponse response;
    };
    struct Closed {
        net::ConnId id;
        std::uint16_t code;
    };

    void send(net::ConnId id, net::FrameRef frame) override {
        sent.push_back({id, std::move(frame)});
    }
    void close(net::ConnId id, std::uint16_t code, std::string_view) override {
        closed.push_back({id, code});
    }
    void respond(net::ConnId id, const net::HttpResponse& response) override {
        responses.push_back({id, response});
    }
    void begin_stream(net::ConnId, int, std::string_view, std::string_view) override {}
    void stream_write(net::ConnId, std::string_view) override {}
    void end_stream(net::ConnId) override {}
    std::uint64_t now_ms() const override { return now; }

    // Payloads sent to id, oldest first.
    std::vector<std::string> to(net::ConnId id) const {
        std::vector<std::string> out;
        for (const auto& s : sent)
            if (s.id == id) out.emplace_back(s.frame->payload());
        return out;
    }
    // Events (the "event" field) sent to id, oldest first.
    std::vector<std::string> events_to(net::ConnId id) const {
        std::vector<std::string> out;
        for (const auto& p : to(id)) {
            rapidjson::Document d;
            d.Parse(p.c_str());
            out.emplace_back(d.HasParseError() ? "<bad json>" : d["event"].GetString());
        }
        return out;
    }
    std::string last_to(net::ConnId id) const {
        auto all = to(id);
        return all.empty() ? std::string{} : all.back();
    }
    bool was_closed(net::ConnId id, std::uint16_t code) const {
        for (const auto& c : closed)
            if (c.id == id && c.code == code) return true;
        return false;
    }
    void clear() {
        sent.clear();
        closed.clear();
    }

    std::vector<Sent> sent;
    std::vector<Closed> closed;
    std::vector<Responded> responses;
    std::uint64_t now = 1'000'000;
};

inline rapidjson::Document parse_json(const std::string& s) {
    rapidjson::Document d;
    d.Parse(s.c_str());
    return d;
}

}  // namespace shoal::test
