// SPDX-License-Identifier: MIT
// test-links: shoal_bus_records
#include "shm_bus/records/bus_records.hpp"

#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::bus::records;

namespace {

template <class R>
std::vector<std::byte> bytes_of(const R& r) {
    std::vector<std::byte> buf(size(r));
    encode(r, buf);
    return buf;
}

}  // namespace

TEST_CASE("bus records: a broadcast round-trips with both frames and the exclusion",
          "[worker][bus]") {
    Broadcast in{"presence-room", "12.34", "\x81\x05hello", "\x81\x03hey"};
    auto buf = bytes_of(in);
    Broadcast out;
    REQUIRE(decode(buf, out));
    REQUIRE(out.topic == in.topic);
    REQUIRE(out.exclude_socket_id == in.exclude_socket_id);
    REQUIRE(out.pusher_frame == in.pusher_frame);
    REQUIRE(out.phoenix_frame == in.phoenix_frame);
}

TEST_CASE("bus records: presence and control records round-trip", "[worker][bus]") {
    PresenceJoin j{77, "presence-a", "user-1", R"({"name":"Ann"})", 12};
    PresenceJoin jo;
    auto jb = bytes_of(j);
    REQUIRE(decode(jb, jo));
    REQUIRE((jo.conn == 77 && jo.topic == "presence-a" && jo.user_id == "user-1" &&
             jo.user_info == j.user_info && jo.epoch == 12));

    PresenceLeave l{78, "presence-a", "user-2", 13};
    PresenceLeave lo;
    auto lb = bytes_of(l);
    REQUIRE(decode(lb, lo));
    REQUIRE((lo.conn == 78 && lo.user_id == "user-2" && lo.epoch == 13));

    SnapshotRequest q{3, kAllSlots};
    SnapshotRequest qo;
    REQUIRE(decode(bytes_of(q), qo));
    REQUIRE((qo.requester_slot == 3 && qo.target_slot == kAllSlots));

    TerminateUser t{"u9"};
    TerminateUser to;
    auto tb = bytes_of(t);
    REQUIRE(decode(tb, to));
    REQUIRE(to.user_id == "u9");

    TopicCount c{12, "chat"};
    TopicCount co;
    auto cb = bytes_of(c);
    REQUIRE(decode(cb, co));
    REQUIRE((co.subscribers == 12 && co.topic == "chat"));

    CachedEvent e{1234, "cache-x", "frame-bytes"};
    CachedEvent eo;
    auto eb = bytes_of(e);
    REQUIRE(decode(eb, eo));
    REQUIRE((eo.age_ms == 1234 && eo.topic == "cache-x" && eo.pusher_frame == "frame-bytes"));
    eb.pop_back();
    REQUIRE_FALSE(decode(eb, eo));
}

TEST_CASE("bus records: another host's record wraps the inner record's bytes unchanged",
          "[worker][bus]") {
    auto inner = bytes_of(TopicCount{5, "news"});
    Remote r{kFirstRemoteSlot + 3, kTopicCount, inner};
    auto buf = bytes_of(r);
    Remote out;
    REQUIRE(decode(buf, out));
    REQUIRE((out.slot == kFirstRemoteSlot + 3 && out.type == kTopicCount));
    TopicCount c;
    REQUIRE(decode(out.inner, c));
    REQUIRE((c.subscribers == 5 && c.topic == "news"));
    for (std::size_t n = 0; n < 8; ++n)
        REQUIRE_FALSE(decode(std::span(buf).first(n), out));
}

TEST_CASE("bus records: every truncation and every extra byte is refused", "[worker][bus]") {
    auto buf = bytes_of(Broadcast{"t", "", "frame", ""});
    for (std::size_t n = 0; n < buf.size(); ++n) {
        Broadcast out;
        REQUIRE_FALSE(decode(std::span<const std::byte>(buf.data(), n), out));
    }
    buf.push_back(std::byte{0});
    Broadcast out;
    REQUIRE_FALSE(decode(buf, out));
}

TEST_CASE("bus records: an empty topic or user id is malformed", "[worker][bus]") {
    Broadcast b;
    REQUIRE_FALSE(decode(bytes_of(Broadcast{"", "", "x", ""}), b));
    PresenceJoin j;
    REQUIRE_FALSE(decode(bytes_of(PresenceJoin{1, "t", "", "{}"}), j));
}

TEST_CASE("bus records: mutated lengths never decode out of bounds", "[worker][bus]") {
    std::mt19937 rng(7);
    const auto valid = bytes_of(Broadcast{"topic", "1.2", "pusher-frame", "phoenix"});
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        auto buf = valid;
        buf.resize(rng() % (valid.size() + 8), std::byte{0});
        for (int k = 0; k < 2 && !buf.empty(); ++k)
            buf[rng() % 12 % buf.size()] = static_cast<std::byte>(rng() % 24);
        Broadcast b;
        if (!decode(buf, b)) continue;
        ++accepted;
        const char* end = reinterpret_cast<const char*>(buf.data()) + buf.size();
        for (std::string_view part :
             {b.topic, b.exclude_socket_id, b.pusher_frame, b.phoenix_frame})
            REQUIRE(part.data() + part.size() <= end);
        REQUIRE(size(b) == buf.size());
    }
    REQUIRE(accepted > 0);
}
