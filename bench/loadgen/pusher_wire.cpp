// SPDX-License-Identifier: MIT
// Pusher message recognition by field search and the outgoing messages as string templates.
#include "bench/loadgen/pusher_wire.hpp"

namespace shoal::loadgen {
namespace {

std::size_t skip_spaces(std::string_view s, std::size_t i) noexcept {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        ++i;
    return i;
}

}  // namespace

std::string_view event_name(std::string_view message) noexcept {
    static constexpr std::string_view kKey = "\"event\"";
    std::size_t at = message.find(kKey);
    if (at == std::string_view::npos) return {};
    std::size_t i = skip_spaces(message, at + kKey.size());
    if (i >= message.size() || message[i] != ':') return {};
    i = skip_spaces(message, i + 1);
    if (i >= message.size() || message[i] != '"') return {};
    const std::size_t end = message.find('"', i + 1);
    if (end == std::string_view::npos) return {};
    return message.substr(i + 1, end - i - 1);
}

PusherEvent classify(std::string_view message) noexcept {
    const std::string_view name = event_name(message);
    if (name == "pusher:connection_established") return PusherEvent::ConnectionEstablished;
    if (name == "pusher_internal:subscription_succeeded") return PusherEvent::SubscriptionSucceeded;
    if (name == "pusher:ping") return PusherEvent::Ping;
    if (name == "pusher:error") return PusherEvent::Error;
    return PusherEvent::Other;
}

std::string_view socket_id_of(std::string_view message) noexcept {
    static constexpr std::string_view kKey = "socket_id";
    const std::size_t at = message.find(kKey);
    if (at == std::string_view::npos) return {};
    // Skip the closing quote (escaped or not), the colon and the opening quote.
    std::size_t i = at + kKey.size();
    while (i < message.size() &&
           (message[i] == '\\' || message[i] == '"' || message[i] == ':' || message[i] == ' ')) {
        ++i;
    }
    std::size_t end = i;
    while (end < message.size() &&
           ((message[end] >= '0' && message[end] <= '9') || message[end] == '.')) {
        ++end;
    }
    return message.substr(i, end - i);
}

bool refuses_client_event(std::string_view message) noexcept {
    const std::size_t at = message.find("\"code\"");
    if (at == std::string_view::npos) return false;
    const std::size_t digits = message.find_first_of("0123456789", at + 6);
    return digits != std::string_view::npos && message.substr(digits, 4) == "4301" &&
           (digits + 4 == message.size() || message[digits + 4] < '0' || message[digits + 4] > '9');
}

std::string subscribe_message(std::string_view channel, std::string_view auth) {
    std::string out = R"({"event":"pusher:subscribe","data":{"channel":")";
    out.append(channel).append("\"");
    if (!auth.empty()) out.append(R"(,"auth":")").append(auth).append("\"");
    out.append("}}");
    return out;
}

std::string pong_message() {
    return R"({"event":"pusher:pong","data":{}})";
}

std::string client_event_message(std::string_view channel, std::string_view event,
                                 std::string_view data) {
    std::string out = R"({"event":")";
    out.append(event).append(R"(","channel":")").append(channel);
    out.append(R"(","data":")").append(data).append("\"}");
    return out;
}

void begin_batch(std::string& body) {
    body.assign(R"({"batch":[)");
}

void append_batch_event(std::string& body, std::string_view channel, std::string_view name,
                        std::string_view data) {
    if (body.back() != '[') body.push_back(',');
    body.append(R"({"channel":")").append(channel);
    body.append(R"(","name":")").append(name);
    body.append(R"(","data":")").append(data).append("\"}");
}

void end_batch(std::string& body) {
    body.append("]}");
}

}  // namespace shoal::loadgen
