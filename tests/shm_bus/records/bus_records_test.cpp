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

namespace {

Broadcast broadcast(std::string_view topic, std::string_view exclusion,
                    std::initializer_list<TaggedFrame> frames) {
    Broadcast b{topic, exclusion};
    for (const TaggedFrame& f : frames)
        REQUIRE(b.add(f.protocol, f.wire));
    return b;
}

}  // namespace

TEST_CASE("bus records: a broadcast round-trips with its tagged frames and the exclusion",
          "[shm_bus][records]") {
    Broadcast in = broadcast("presence-room", "12.34", {{0, "\x81\x05hello"}, {5, "\x81\x03hey"}});
    auto buf = bytes_of(in);
    Broadcast out;
    REQUIRE(decode(buf, out));
    REQUIRE(out.topic == in.topic);
    REQUIRE(out.exclude_socket_id == in.exclude_socket_id);
    REQUIRE(out.frame_count == 2);
    REQUIRE((out.frames[0].protocol == 0 && out.frames[0].wire == "\x81\x05hello"));
    REQUIRE((out.frames[1].protocol == 5 && out.frames[1].wire == "\x81\x03hey"));
}

TEST_CASE("bus records: a broadcast holds at most kMaxFrames frames and refuses bad tags",
          "[shm_bus][records]") {
    Broadcast b{"t", ""};
    for (std::size_t i = 0; i < kMaxFrames; ++i)
        REQUIRE(b.add(static_cast<std::uint8_t>(i), "f"));
    REQUIRE_FALSE(b.add(0, "f"));
    Broadcast out;
    REQUIRE(decode(bytes_of(b), out));
    REQUIRE(out.frame_count == kMaxFrames);

    auto bad_tag = bytes_of(broadcast("t", "", {{3, "frame"}}));
    bad_tag[5] = std::byte{kMaxFrames};  // the first frame's tag
    REQUIRE_FALSE(decode(bad_tag, out));
    auto bad_count = bytes_of(broadcast("t", "", {{3, "frame"}}));
    bad_count[4] = std::byte{kMaxFrames + 1};
    REQUIRE_FALSE(decode(bad_count, out));
}

TEST_CASE("bus records: a broadcast with no frame carries only its topic", "[shm_bus][records]") {
    Broadcast out;
    const auto buf = bytes_of(Broadcast{"room", ""});
    REQUIRE(decode(buf, out));
    REQUIRE((out.topic == "room" && out.frame_count == 0));
}

TEST_CASE("bus records: presence and control records round-trip", "[shm_bus][records]") {
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

    CachedEvent e{1234, 2, "cache-x", "frame-bytes"};
    CachedEvent eo;
    auto eb = bytes_of(e);
    REQUIRE(decode(eb, eo));
    REQUIRE((eo.age_ms == 1234 && eo.topic == "cache-x" && eo.protocol == 2 &&
             eo.frame == "frame-bytes"));
    eb.pop_back();
    REQUIRE_FALSE(decode(eb, eo));
}

TEST_CASE("bus records: another host's record wraps the inner record's bytes unchanged",
          "[shm_bus][records]") {
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

TEST_CASE("bus records: every truncation and every extra byte is refused", "[shm_bus][records]") {
    auto buf = bytes_of(broadcast("t", "", {{0, "frame"}}));
    for (std::size_t n = 0; n < buf.size(); ++n) {
        Broadcast out;
        REQUIRE_FALSE(decode(std::span<const std::byte>(buf.data(), n), out));
    }
    buf.push_back(std::byte{0});
    Broadcast out;
    REQUIRE_FALSE(decode(buf, out));
}

TEST_CASE("bus records: an empty topic or user id is malformed", "[shm_bus][records]") {
    Broadcast b;
    REQUIRE_FALSE(decode(bytes_of(broadcast("", "", {{0, "x"}})), b));
    PresenceJoin j;
    REQUIRE_FALSE(decode(bytes_of(PresenceJoin{1, "t", "", "{}"}), j));
}

TEST_CASE("bus records: mutated lengths never decode out of bounds", "[shm_bus][records]") {
    std::mt19937 rng(7);
    const auto valid = bytes_of(broadcast("topic", "1.2", {{0, "pusher-frame"}, {1, "phoenix"}}));
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
        std::vector<std::string_view> parts{b.topic, b.exclude_socket_id};
        for (const TaggedFrame& f : b.tagged())
            parts.push_back(f.wire);
        for (std::string_view part : parts)
            REQUIRE(part.data() + part.size() <= end);
        REQUIRE(size(b) == buf.size());
    }
    REQUIRE(accepted > 0);
}

TEST_CASE("bus records: a webhook fact round-trips; a truncated or kindless one is refused",
          "[shm_bus][records]") {
    const HookFact f{kFactClientEvent, "app\x1fprivate-chat",
                     "client-typing",  R"({"who":"ann"})",
                     "123.45",         "ann"};
    const auto buf = bytes_of(f);
    REQUIRE(buf.size() == size(f));
    HookFact g;
    REQUIRE(decode(buf, g));
    REQUIRE(g.kind == kFactClientEvent);
    REQUIRE(g.topic == f.topic);
    REQUIRE(g.event == f.event);
    REQUIRE(g.data == f.data);
    REQUIRE(g.socket_id == f.socket_id);
    REQUIRE(g.user_id == f.user_id);
    for (std::size_t n = 0; n < buf.size(); ++n)
        REQUIRE_FALSE(decode(std::span(buf.data(), n), g));
    REQUIRE_FALSE(decode(bytes_of(HookFact{9, "t", "", "", "", ""}), g));
    REQUIRE_FALSE(decode(bytes_of(HookFact{kFactCacheMiss, "", "", "", "", ""}), g));
    REQUIRE(decode(bytes_of(HookFact{kFactCacheMiss,
                                     "app\x1f"
                                     "cache-x",
                                     "", "", "", ""}),
                   g));
    REQUIRE(g.kind == kFactCacheMiss);
}

TEST_CASE("bus records: a history publish and its sequenced form round-trip; truncations fail",
          "[shm_bus][records]") {
    const HistoryPublish p{77,
                           1,
                           1,
                           "app\x1f"
                           "feed",
                           "client-x",
                           "{\"a\":1}",
                           "u1",
                           "1.77"};
    HistoryPublish out;
    auto buf = bytes_of(p);
    REQUIRE(decode(buf, out));
    CHECK((out.publisher == 77 && out.origin == 1 && out.from_client == 1));
    CHECK((out.topic == "app\x1f"
                        "feed" &&
           out.name == "client-x" && out.data == "{\"a\":1}"));
    CHECK((out.user_id == "u1" && out.exclusion == "1.77"));
    for (std::size_t n = 0; n < buf.size(); ++n)
        REQUIRE_FALSE(decode(std::span<const std::byte>(buf.data(), n), out));

    const Sequenced s{3, 41, 0x0123456789abcdefull, 1700000000000, p};
    Sequenced so;
    auto sb = bytes_of(s);
    REQUIRE(decode(sb, so));
    CHECK((so.slot == 3 && so.offset == 41 && so.time_ms == 1700000000000));
    CHECK(so.epoch == 0x0123456789abcdefull);
    CHECK((so.event.topic == p.topic && so.event.data == p.data && so.event.publisher == 77));
    sb.push_back(std::byte{0});
    REQUIRE_FALSE(decode(sb, so));

    SECTION("a bad origin tag or an empty topic is malformed") {
        HistoryPublish bad = p;
        bad.origin = 9;
        REQUIRE_FALSE(decode(bytes_of(bad), out));
        bad = p;
        bad.topic = "";
        REQUIRE_FALSE(decode(bytes_of(bad), out));
    }
}
