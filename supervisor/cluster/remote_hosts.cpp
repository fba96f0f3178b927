// SPDX-License-Identifier: MIT
// Remote records in, pseudo-slot records out. Member joins and leaves are rendered per
// connection (the workers' replicas keep "once per user"); counts are summed per host.
#include "supervisor/cluster/remote_hosts.hpp"

namespace shoal::cluster {

namespace rec = bus::records;

std::uint64_t mapped_conn(const MemberKey& k) noexcept {
    return (static_cast<std::uint64_t>(k.slot & 0xFF) << 56) |
           (static_cast<std::uint64_t>(k.epoch & 0xFFFF) << 40) | (((k.conn >> 32) & 0xFF) << 32) |
           (k.conn & 0xFFFFFFFFu);
}

bool RemoteHosts::ensure(std::uint64_t host, bool& added) {
    added = false;
    if (hosts_.contains(host)) return true;
    for (std::uint32_t i = 0; i < rec::kMaxRemoteHosts; ++i) {
        if (used_[i]) continue;
        used_[i] = true;
        Host h;
        h.pseudo = rec::kFirstRemoteSlot + i;
        h.epoch = ++pseudo_epoch_[i];
        hosts_.emplace(host, std::move(h));
        added = true;
        return true;
    }
    return false;
}

template <class Record>
void RemoteHosts::emit(const Host& h, std::int32_t type, const Record& r) {
    scratch_.resize(rec::size(r));
    rec::encode(r, scratch_);
    sink_.remote(h.pseudo, type, scratch_);
}

void RemoteHosts::render_join(const Host& h, const MemberKey& k, std::string_view info) {
    emit(h, rec::kPresenceJoin, rec::PresenceJoin{mapped_conn(k), k.topic, k.user, info, h.epoch});
}

void RemoteHosts::render_leave(const Host& h, const MemberKey& k) {
    emit(h, rec::kPresenceLeave, rec::PresenceLeave{mapped_conn(k), k.topic, k.user, h.epoch});
}

void RemoteHosts::render_count(Host& h, std::string_view topic, std::int64_t delta) {
    if (delta == 0) return;
    auto it = h.totals.find(topic);
    if (it == h.totals.end()) it = h.totals.emplace(std::string(topic), 0).first;
    const std::int64_t n = std::max<std::int64_t>(0, static_cast<std::int64_t>(it->second) + delta);
    it->second = static_cast<std::uint32_t>(n);
    emit(h, rec::kTopicCount, rec::TopicCount{it->second, topic});
    if (it->second == 0) h.totals.erase(it);
}

bool RemoteHosts::on_record(std::uint64_t host, std::uint32_t slot, std::int32_t type,
                            std::span<const std::byte> payload) {
    auto it = hosts_.find(host);
    if (it == hosts_.end()) return false;
    Host& h = it->second;
    switch (type) {
        case rec::kBroadcast:
        case rec::kTerminateUser:
            sink_.remote(h.pseudo, type, payload);  // the bytes as the remote worker wrote them
            return true;
        case rec::kPresenceJoin: {
            rec::PresenceJoin j;
            if (!rec::decode(payload, j)) return false;
            MemberKey k{slot, j.epoch, j.conn, std::string(j.topic), std::string(j.user_id)};
            if (h.table.join(k, j.user_info)) render_join(h, k, j.user_info);
            return true;
        }
        case rec::kPresenceLeave: {
            rec::PresenceLeave l;
            if (!rec::decode(payload, l)) return false;
            MemberKey k{slot, l.epoch, l.conn, std::string(l.topic), std::string(l.user_id)};
            if (h.table.leave(k)) render_leave(h, k);
            return true;
        }
        case rec::kTopicCount: {
            rec::TopicCount c;
            if (!rec::decode(payload, c)) return false;
            std::uint32_t old = 0;
            if (h.table.set_count(slot, c.topic, c.subscribers, old))
                render_count(h, c.topic, static_cast<std::int64_t>(c.subscribers) - old);
            return true;
        }
        default:
            return false;
    }
}

void RemoteHosts::on_slot_down(std::uint64_t host, std::uint32_t slot, std::uint64_t epoch) {
    auto it = hosts_.find(host);
    if (it == hosts_.end()) return;
    Host& h = it->second;
    h.table.drop_slot(
        slot, epoch, [&](const MemberKey& k, std::string_view) { render_leave(h, k); },
        [&](std::uint32_t, std::string_view topic, std::uint32_t old) {
            render_count(h, topic, -static_cast<std::int64_t>(old));
        });
}

std::size_t RemoteHosts::drop(std::uint64_t host) {
    auto it = hosts_.find(host);
    if (it == hosts_.end()) return 0;
    const std::size_t n = it->second.table.member_count();
    sink_.host_down(it->second.pseudo, it->second.epoch);
    used_[it->second.pseudo - rec::kFirstRemoteSlot] = false;
    hosts_.erase(it);
    return n;
}

void RemoteHosts::begin_reconcile(std::uint64_t host) {
    auto it = hosts_.find(host);
    if (it != hosts_.end()) it->second.table.begin_reconcile(kEverySlot);
}

void RemoteHosts::end_reconcile(std::uint64_t host) {
    auto it = hosts_.find(host);
    if (it == hosts_.end()) return;
    Host& h = it->second;
    h.table.end_reconcile(
        kEverySlot, [&](const MemberKey& k, std::string_view) { render_leave(h, k); },
        [&](std::uint32_t, std::string_view topic, std::uint32_t old) {
            render_count(h, topic, -static_cast<std::int64_t>(old));
        });
}

void RemoteHosts::answer_snapshot(std::uint32_t requester) {
    for (auto& entry : hosts_) {
        // Not a structured binding: clang before 16 cannot capture one in a lambda, and the
        // fuzz build (tests/fuzz/) compiles this file with clang.
        Host& h = entry.second;
        h.table.for_each_member(
            [&](const MemberKey& k, std::string_view info) { render_join(h, k, info); });
        for (const auto& [topic, n] : h.totals)
            emit(h, rec::kTopicCount, rec::TopicCount{n, topic});
    }
    scratch_.resize(rec::size(rec::SnapshotDone{requester}));
    rec::encode(rec::SnapshotDone{requester}, scratch_);
    sink_.remote(rec::kClusterSlot, rec::kSnapshotDone, scratch_);
}

std::vector<std::uint64_t> RemoteHosts::hosts() const {
    std::vector<std::uint64_t> out;
    for (const auto& [id, h] : hosts_)
        out.push_back(id);
    return out;
}

std::size_t RemoteHosts::member_count(std::uint64_t host) const noexcept {
    auto it = hosts_.find(host);
    return it == hosts_.end() ? 0 : it->second.table.member_count();
}

}  // namespace shoal::cluster
