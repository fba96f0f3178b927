// SPDX-License-Identifier: MIT
// Wire format (schema kSchemaVersion): little-endian fixed fields, then the variable parts in
// declaration order. Every string is at most 64 KiB - 1 (u16 length) except frames and user info
// (u32).
#include "shm_bus/records/bus_records.hpp"

#include <cstring>

namespace shoal::bus::records {
namespace {

class Writer {
  public:
    explicit Writer(std::span<std::byte> out) noexcept : p_(out.data()) {}
    template <class T>
    void num(T v) noexcept {
        std::memcpy(p_, &v, sizeof v);
        p_ += sizeof v;
    }
    void str(std::string_view s) noexcept {
        if (!s.empty()) std::memcpy(p_, s.data(), s.size());
        p_ += s.size();
    }

  private:
    std::byte* p_;
};

class Reader {
  public:
    explicit Reader(std::span<const std::byte> in) noexcept : in_(in) {}
    template <class T>
    bool num(T& v) noexcept {
        if (in_.size() - at_ < sizeof v) return false;
        std::memcpy(&v, in_.data() + at_, sizeof v);
        at_ += sizeof v;
        return true;
    }
    bool str(std::size_t len, std::string_view& s) noexcept {
        if (in_.size() - at_ < len) return false;
        s = std::string_view(reinterpret_cast<const char*>(in_.data()) + at_, len);
        at_ += len;
        return true;
    }
    bool done() const noexcept { return at_ == in_.size(); }

  private:
    std::span<const std::byte> in_;
    std::size_t at_ = 0;
};

constexpr std::size_t kMax16 = 0xFFFF;

// Names and ids are bounded far below this by the protocols; clipping keeps size() and encode()
// in agreement even for a caller that forgot to check.
std::string_view clip16(std::string_view s) noexcept {
    return s.substr(0, kMax16);
}
std::uint16_t len16(std::string_view s) noexcept {
    return static_cast<std::uint16_t>(clip16(s).size());
}

}  // namespace

std::size_t size(const Broadcast& r) noexcept {
    std::size_t n = 2 + 2 + 1 + clip16(r.topic).size() + clip16(r.exclude_socket_id).size();
    for (const TaggedFrame& f : r.tagged())
        n += 1 + 4 + f.wire.size();
    return n;
}

// u16 topic, u16 exclusion, u8 count, count x (u8 tag, u32 length), topic, exclusion, frames.
void encode(const Broadcast& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(len16(r.topic));
    w.num(len16(r.exclude_socket_id));
    w.num(r.frame_count);
    for (const TaggedFrame& f : r.tagged()) {
        w.num(f.protocol);
        w.num(static_cast<std::uint32_t>(f.wire.size()));
    }
    w.str(clip16(r.topic));
    w.str(clip16(r.exclude_socket_id));
    for (const TaggedFrame& f : r.tagged())
        w.str(f.wire);
}

bool decode(std::span<const std::byte> in, Broadcast& out) noexcept {
    Reader rd(in);
    std::uint16_t tl, xl;
    std::uint8_t count;
    if (!rd.num(tl) || !rd.num(xl) || !rd.num(count) || tl == 0 || count > kMaxFrames) return false;
    std::array<std::uint32_t, kMaxFrames> lengths{};
    for (std::uint8_t i = 0; i < count; ++i) {
        if (!rd.num(out.frames[i].protocol) || !rd.num(lengths[i])) return false;
        if (out.frames[i].protocol >= kMaxFrames || lengths[i] == 0) return false;
    }
    out.frame_count = count;
    if (!rd.str(tl, out.topic) || !rd.str(xl, out.exclude_socket_id)) return false;
    for (std::uint8_t i = 0; i < count; ++i)
        if (!rd.str(lengths[i], out.frames[i].wire)) return false;
    return rd.done();
}

std::size_t size(const PresenceJoin& r) noexcept {
    return 8 + 8 + 2 + 2 + 4 + clip16(r.topic).size() + clip16(r.user_id).size() +
           r.user_info.size();
}

void encode(const PresenceJoin& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.conn);
    w.num(r.epoch);
    w.num(len16(r.topic));
    w.num(len16(r.user_id));
    w.num(static_cast<std::uint32_t>(r.user_info.size()));
    w.str(clip16(r.topic));
    w.str(clip16(r.user_id));
    w.str(r.user_info);
}

bool decode(std::span<const std::byte> in, PresenceJoin& out) noexcept {
    Reader rd(in);
    std::uint16_t tl, ul;
    std::uint32_t il;
    return rd.num(out.conn) && rd.num(out.epoch) && rd.num(tl) && rd.num(ul) && rd.num(il) &&
           tl > 0 && ul > 0 && rd.str(tl, out.topic) && rd.str(ul, out.user_id) &&
           rd.str(il, out.user_info) && rd.done();
}

std::size_t size(const PresenceLeave& r) noexcept {
    return 8 + 8 + 2 + 2 + clip16(r.topic).size() + clip16(r.user_id).size();
}

void encode(const PresenceLeave& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.conn);
    w.num(r.epoch);
    w.num(len16(r.topic));
    w.num(len16(r.user_id));
    w.str(clip16(r.topic));
    w.str(clip16(r.user_id));
}

bool decode(std::span<const std::byte> in, PresenceLeave& out) noexcept {
    Reader rd(in);
    std::uint16_t tl, ul;
    return rd.num(out.conn) && rd.num(out.epoch) && rd.num(tl) && rd.num(ul) && tl > 0 && ul > 0 &&
           rd.str(tl, out.topic) && rd.str(ul, out.user_id) && rd.done();
}

std::size_t size(const SnapshotRequest&) noexcept {
    return 8;
}

void encode(const SnapshotRequest& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.requester_slot);
    w.num(r.target_slot);
}

bool decode(std::span<const std::byte> in, SnapshotRequest& out) noexcept {
    Reader rd(in);
    return rd.num(out.requester_slot) && rd.num(out.target_slot) && rd.done();
}

std::size_t size(const SnapshotDone&) noexcept {
    return 4;
}

void encode(const SnapshotDone& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.requester_slot);
}

bool decode(std::span<const std::byte> in, SnapshotDone& out) noexcept {
    Reader rd(in);
    return rd.num(out.requester_slot) && rd.done();
}

std::size_t size(const TerminateUser& r) noexcept {
    return 2 + clip16(r.user_id).size();
}

void encode(const TerminateUser& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(len16(r.user_id));
    w.str(clip16(r.user_id));
}

bool decode(std::span<const std::byte> in, TerminateUser& out) noexcept {
    Reader rd(in);
    std::uint16_t ul;
    return rd.num(ul) && ul > 0 && rd.str(ul, out.user_id) && rd.done();
}

std::size_t size(const TopicCount& r) noexcept {
    return 4 + 2 + clip16(r.topic).size();
}

void encode(const TopicCount& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.subscribers);
    w.num(len16(r.topic));
    w.str(clip16(r.topic));
}

bool decode(std::span<const std::byte> in, TopicCount& out) noexcept {
    Reader rd(in);
    std::uint16_t tl;
    return rd.num(out.subscribers) && rd.num(tl) && tl > 0 && rd.str(tl, out.topic) && rd.done();
}

std::size_t size(const CachedEvent& r) noexcept {
    return 8 + 1 + 2 + 4 + clip16(r.topic).size() + r.frame.size();
}

void encode(const CachedEvent& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.age_ms);
    w.num(r.protocol);
    w.num(len16(r.topic));
    w.num(static_cast<std::uint32_t>(r.frame.size()));
    w.str(clip16(r.topic));
    w.str(r.frame);
}

bool decode(std::span<const std::byte> in, CachedEvent& out) noexcept {
    Reader rd(in);
    std::uint16_t tl;
    std::uint32_t fl;
    return rd.num(out.age_ms) && rd.num(out.protocol) && out.protocol < kMaxFrames && rd.num(tl) &&
           rd.num(fl) && tl > 0 && fl > 0 && rd.str(tl, out.topic) && rd.str(fl, out.frame) &&
           rd.done();
}

std::size_t size(const Remote& r) noexcept {
    return 4 + 4 + r.inner.size();
}

void encode(const Remote& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.slot);
    w.num(r.type);
    if (!r.inner.empty()) std::memcpy(out.data() + 8, r.inner.data(), r.inner.size());
}

bool decode(std::span<const std::byte> in, Remote& out) noexcept {
    Reader rd(in);
    if (!rd.num(out.slot) || !rd.num(out.type)) return false;
    out.inner = in.subspan(8);
    return true;
}

std::size_t size(const Directed& r) noexcept {
    return 4 + 1 + 4 + r.bytes.size();
}

void encode(const Directed& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.target_slot);
    w.num(r.protocol);
    w.num(static_cast<std::uint32_t>(r.bytes.size()));
    w.str(r.bytes);
}

bool decode(std::span<const std::byte> in, Directed& out) noexcept {
    Reader rd(in);
    std::uint32_t len;
    return rd.num(out.target_slot) && rd.num(out.protocol) && out.protocol < kMaxFrames &&
           rd.num(len) && rd.str(len, out.bytes) && rd.done();
}

std::size_t size(const HookFact& r) noexcept {
    return 1 + 2 + 2 + 4 + 2 + 2 + clip16(r.topic).size() + clip16(r.event).size() + r.data.size() +
           clip16(r.socket_id).size() + clip16(r.user_id).size();
}

// u8 kind, u16 topic, u16 event, u32 data, u16 socket id, u16 user id, then the strings.
void encode(const HookFact& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.kind);
    w.num(len16(r.topic));
    w.num(len16(r.event));
    w.num(static_cast<std::uint32_t>(r.data.size()));
    w.num(len16(r.socket_id));
    w.num(len16(r.user_id));
    w.str(clip16(r.topic));
    w.str(clip16(r.event));
    w.str(r.data);
    w.str(clip16(r.socket_id));
    w.str(clip16(r.user_id));
}

bool decode(std::span<const std::byte> in, HookFact& out) noexcept {
    Reader rd(in);
    std::uint16_t topic, event, socket, user;
    std::uint32_t data;
    return rd.num(out.kind) && (out.kind == kFactClientEvent || out.kind == kFactCacheMiss) &&
           rd.num(topic) && topic != 0 && rd.num(event) && rd.num(data) && rd.num(socket) &&
           rd.num(user) && rd.str(topic, out.topic) && rd.str(event, out.event) &&
           rd.str(data, out.data) && rd.str(socket, out.socket_id) && rd.str(user, out.user_id) &&
           rd.done();
}

namespace {

constexpr std::size_t kHistoryFixed = 8 + 1 + 1 + 2 + 2 + 4 + 2 + 2;

void encode_history(Writer& w, const HistoryPublish& r) noexcept {
    w.num(r.publisher);
    w.num(r.origin);
    w.num(r.from_client);
    w.num(len16(r.topic));
    w.num(len16(r.name));
    w.num(static_cast<std::uint32_t>(r.data.size()));
    w.num(len16(r.user_id));
    w.num(len16(r.exclusion));
    w.str(clip16(r.topic));
    w.str(clip16(r.name));
    w.str(r.data);
    w.str(clip16(r.user_id));
    w.str(clip16(r.exclusion));
}

bool decode_history(Reader& rd, HistoryPublish& out) noexcept {
    std::uint16_t topic, name, user, exclusion;
    std::uint32_t data;
    return rd.num(out.publisher) && rd.num(out.origin) &&
           (out.origin < kMaxFrames || out.origin == 0xFF) && rd.num(out.from_client) &&
           out.from_client <= 1 && rd.num(topic) && topic != 0 && rd.num(name) && rd.num(data) &&
           rd.num(user) && rd.num(exclusion) && rd.str(topic, out.topic) &&
           rd.str(name, out.name) && rd.str(data, out.data) && rd.str(user, out.user_id) &&
           rd.str(exclusion, out.exclusion) && rd.done();
}

}  // namespace

// u64 publisher, u8 origin, u8 from_client, u16 topic, u16 name, u32 data, u16 user id,
// u16 exclusion, then the strings.
std::size_t size(const HistoryPublish& r) noexcept {
    return kHistoryFixed + clip16(r.topic).size() + clip16(r.name).size() + r.data.size() +
           clip16(r.user_id).size() + clip16(r.exclusion).size();
}

void encode(const HistoryPublish& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    encode_history(w, r);
}

bool decode(std::span<const std::byte> in, HistoryPublish& out) noexcept {
    Reader rd(in);
    return decode_history(rd, out);
}

// u32 slot, u64 offset, u64 epoch, u64 time_ms, then the HistoryPublish.
std::size_t size(const Sequenced& r) noexcept {
    return 4 + 8 + 8 + 8 + size(r.event);
}

void encode(const Sequenced& r, std::span<std::byte> out) noexcept {
    Writer w(out);
    w.num(r.slot);
    w.num(r.offset);
    w.num(r.epoch);
    w.num(r.time_ms);
    encode_history(w, r.event);
}

bool decode(std::span<const std::byte> in, Sequenced& out) noexcept {
    Reader rd(in);
    return rd.num(out.slot) && rd.num(out.offset) && rd.num(out.epoch) && rd.num(out.time_ms) &&
           decode_history(rd, out.event);
}

}  // namespace shoal::bus::records
