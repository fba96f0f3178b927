// SPDX-License-Identifier: MIT
// The history region's writer (the host's sequencer) and its readers. The ordering rules are
// H1-H6 in history_layout.hpp; this file only points back to them.
#include "shm_bus/history_store.hpp"

#include <algorithm>
#include <cstring>

#include "common/assert.hpp"
#include "shm_bus/shared_access.hpp"

namespace shoal::bus {
namespace {

bool pow2(std::uint64_t v) noexcept {
    return v != 0 && (v & (v - 1)) == 0;
}

constexpr std::uint64_t kIndexOffset = sizeof(HistoryHeader);

std::uint64_t data_offset(std::uint32_t index_entries) noexcept {
    return history_align(kIndexOffset + std::uint64_t{index_entries} * sizeof(TopicEntry));
}

}  // namespace

common::Result<void> HistoryConfig::validate() const {
    using common::Errc;
    if (!pow2(data_bytes) || data_bytes < (64u << 10) || data_bytes > (4ull << 30))
        return common::Error{Errc::Config, 0,
                             "history data_bytes must be a power of two from 64 KiB to 4 GiB"};
    if (!pow2(index_entries) || index_entries < 64 || index_entries > (1u << 24))
        return common::Error{Errc::Config, 0,
                             "history index_entries must be a power of two from 64 to 2^24"};
    if (max_event_bytes == 0 ||
        history_align(sizeof(HistoryRecordHeader) + max_event_bytes) * 4 > data_bytes)
        return common::Error{Errc::Config, 0,
                             "history max_event_bytes must be 1.. and 4 events must fit"};
    return {};
}

std::uint64_t HistoryConfig::region_bytes() const noexcept {
    return data_offset(index_entries) + data_bytes;
}

std::uint64_t history_key(std::string_view topic) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : topic) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h ? h : 1;
}

HistoryWriter::HistoryWriter(std::span<std::byte> region, const HistoryConfig& config,
                             std::uint64_t epoch)
    : config_(config) {
    SHOAL_ASSERT(config.validate() && region.size() >= config.region_bytes());
    header_ = reinterpret_cast<HistoryHeader*>(region.data());
    index_ = reinterpret_cast<TopicEntry*>(region.data() + kIndexOffset);
    data_ = region.data() + data_offset(config.index_entries);
    header_->version = kHistoryVersion;
    header_->index_entries = config.index_entries;
    header_->data_bytes = config.data_bytes;
    header_->epoch.store(epoch, std::memory_order_relaxed);
    header_->max_event_bytes = config.max_event_bytes;
    tail_ = header_->tail.load(std::memory_order_relaxed);
    // release: a reader that sees the magic sees every field above (H6).
    header_->magic.store(kHistoryMagic, std::memory_order_release);
}

TopicEntry* HistoryWriter::find_or_claim(std::uint64_t key) noexcept {
    const std::uint32_t mask = config_.index_entries - 1;
    for (std::uint32_t i = 0; i < config_.index_entries; ++i) {
        TopicEntry& e = index_[(key + i) & mask];
        const std::uint64_t k = e.key.load(std::memory_order_relaxed);  // only this writer stores
        if (k == key) return &e;
        if (k == 0) {
            // release: a reader that finds the key finds head == 0 or a published head (H2).
            e.key.store(key, std::memory_order_release);
            return &e;
        }
    }
    return nullptr;
}

std::uint64_t HistoryWriter::append(const HistoryAppend& ev) noexcept {
    const std::uint64_t body =
        ev.topic.size() + ev.name.size() + ev.data.size() + ev.user_id.size();
    if (body > config_.max_event_bytes || ev.topic.empty() || ev.topic.size() > 0xFFFF ||
        ev.name.size() > 0xFFFF || ev.user_id.size() > 0xFFFF)
        return 0;
    const std::uint64_t key = history_key(ev.topic);
    TopicEntry* entry = find_or_claim(key);
    if (!entry) {
        header_->index_refused.store(header_->index_refused.load(std::memory_order_relaxed) + 1,
                                     std::memory_order_relaxed);
        return 0;
    }
    const std::uint64_t epoch = ev.epoch ? ev.epoch : this->epoch();
    // Only this writer stores these two, so relaxed loads see its own last stores.
    const std::uint64_t head = entry->head.load(std::memory_order_relaxed);
    const bool same_stream = head != 0 && entry->epoch.load(std::memory_order_relaxed) == epoch;
    const std::uint64_t last = same_stream ? entry->last_offset.load(std::memory_order_relaxed) : 0;
    const std::uint64_t offset = ev.offset ? ev.offset : last + 1;
    if (offset <= last) return 0;
    const std::uint64_t length = sizeof(HistoryRecordHeader) + body;
    const std::uint64_t mask = config_.data_bytes - 1;
    std::uint64_t p = tail_;
    if ((p & mask) + history_align(length) > config_.data_bytes)
        p += config_.data_bytes - (p & mask);  // records never wrap; the skipped end is dead
    const std::uint64_t end = p + history_align(length);
    // H2: the intent is visible before any byte it covers changes.
    header_->tail_intent.store(end, std::memory_order_relaxed);
    detail::fence_release();
    HistoryRecordHeader h{};
    h.position = p;
    // H5: a chain holds one epoch's consecutive offsets; anything else starts a new one.
    h.prev = same_stream && offset == last + 1 ? head : 0;
    h.offset = offset;
    h.time_ms = ev.time_ms;
    h.key = key;
    h.epoch = epoch;
    h.length = static_cast<std::uint32_t>(length);
    h.kind = static_cast<std::uint8_t>(HistoryKind::Event);
    h.origin = ev.origin;
    h.topic_len = static_cast<std::uint16_t>(ev.topic.size());
    h.name_len = static_cast<std::uint16_t>(ev.name.size());
    h.user_len = static_cast<std::uint16_t>(ev.user_id.size());
    h.data_len = static_cast<std::uint32_t>(ev.data.size());
    std::byte* out = data_ + (p & mask);
    std::memcpy(out, &h, sizeof h);
    out += sizeof h;
    std::memcpy(out, ev.topic.data(), ev.topic.size());
    if (!ev.name.empty()) std::memcpy(out + ev.topic.size(), ev.name.data(), ev.name.size());
    out += ev.topic.size() + ev.name.size();
    if (!ev.data.empty()) std::memcpy(out, ev.data.data(), ev.data.size());
    if (!ev.user_id.empty())
        std::memcpy(out + ev.data.size(), ev.user_id.data(), ev.user_id.size());
    tail_ = end;
    // release: the record's bytes are visible before the tail and the head that lead to it.
    header_->tail.store(end, std::memory_order_release);
    entry->last_offset.store(offset, std::memory_order_relaxed);
    entry->epoch.store(epoch, std::memory_order_relaxed);
    entry->head.store(p + 1, std::memory_order_release);
    header_->events.store(header_->events.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
    return offset;
}

common::Result<HistoryReader> HistoryReader::attach(std::span<const std::byte> region) {
    using common::Errc;
    if (region.size() < sizeof(HistoryHeader))
        return common::Error{Errc::BusLayoutMismatch, 0, "history region too small"};
    const auto* h = reinterpret_cast<const HistoryHeader*>(region.data());
    // acquire: pairs with the creator's release of the magic.
    if (h->magic.load(std::memory_order_acquire) != kHistoryMagic || h->version != kHistoryVersion)
        return common::Error{Errc::BusLayoutMismatch, 0, "history region: bad magic or version"};
    HistoryConfig c;
    c.data_bytes = h->data_bytes;
    c.index_entries = h->index_entries;
    c.max_event_bytes = h->max_event_bytes;
    if (!c.validate() || c.region_bytes() > region.size())
        return common::Error{Errc::BusLayoutMismatch, 0, "history region: sizes do not fit"};
    return HistoryReader(h, reinterpret_cast<const TopicEntry*>(region.data() + kIndexOffset),
                         region.data() + data_offset(c.index_entries), c.index_entries,
                         c.data_bytes, c.max_event_bytes);
}

std::uint64_t HistoryReader::events_appended() const noexcept {
    return header_->events.load(std::memory_order_relaxed);
}

std::uint64_t HistoryReader::topics_refused() const noexcept {
    return header_->index_refused.load(std::memory_order_relaxed);
}

const TopicEntry* HistoryReader::find(std::uint64_t key) const noexcept {
    const std::uint32_t mask = index_entries_ - 1;
    for (std::uint32_t i = 0; i < index_entries_; ++i) {
        const TopicEntry& e = index_[(key + i) & mask];
        const std::uint64_t k = e.key.load(std::memory_order_acquire);
        if (k == key) return &e;
        if (k == 0) return nullptr;
    }
    return nullptr;
}

bool HistoryReader::copy_record(std::uint64_t pos, std::uint64_t tail, std::uint64_t key,
                                std::string_view topic, HistoryRecordHeader& h) const {
    const std::uint64_t mask = data_bytes_ - 1;
    if (pos % kHistoryAlign != 0 || pos + sizeof h > tail) return false;
    if ((pos & mask) + sizeof h > data_bytes_) return false;
    detail::copy_from_ring(&h, data_ + (pos & mask), sizeof h);
    const std::uint64_t body = std::uint64_t{h.topic_len} + std::uint64_t{h.name_len} +
                               std::uint64_t{h.data_len} + std::uint64_t{h.user_len};
    const bool sane = body <= max_event_bytes_ && h.length == sizeof h + body &&
                      (pos & mask) + h.length <= data_bytes_ && pos + h.length <= tail;
    if (sane) {
        scratch_.resize(body);
        detail::copy_from_ring(scratch_.data(), data_ + (pos & mask) + sizeof h, body);
    }
    // H3: what was copied counts only if the writer has not claimed these bytes since.
    detail::fence_acquire();
    if (header_->tail_intent.load(std::memory_order_relaxed) - pos > data_bytes_) return false;
    if (!sane || h.position != pos || h.kind != static_cast<std::uint8_t>(HistoryKind::Event) ||
        h.key != key || h.topic_len != topic.size())
        return false;
    if (std::memcmp(scratch_.data(), topic.data(), topic.size()) != 0) return false;
    return h.prev == 0 || h.prev - 1 < pos;  // H4: links point strictly backwards
}

void HistoryReader::read_since(std::string_view topic, std::uint64_t since,
                               std::uint32_t max_events, std::uint64_t min_time_ms,
                               Recovery& out) const {
    out.complete = false;
    out.latest = 0;
    out.epoch = epoch();
    out.events.clear();
    const std::uint64_t key = history_key(topic);
    const TopicEntry* entry = find(key);
    std::uint64_t link = entry ? entry->head.load(std::memory_order_acquire) : 0;
    if (link == 0) {
        out.complete = since == 0;  // nothing recorded in this epoch
        return;
    }
    // acquire after the head: the tail is at least the end of the head's record (H2).
    const std::uint64_t tail = header_->tail.load(std::memory_order_acquire);
    std::uint64_t expect = 0;
    HistoryRecordHeader h;
    while (link != 0 && out.events.size() < max_events) {
        if (!copy_record(link - 1, tail, key, topic, h)) break;
        if (expect != 0 && (h.offset != expect || h.epoch != out.epoch)) break;
        if (expect == 0) {
            out.latest = h.offset;
            out.epoch = h.epoch;
        }
        if (h.offset <= since || h.time_ms < min_time_ms) break;
        const auto* body = reinterpret_cast<const char*>(scratch_.data()) + h.topic_len;
        out.events.push_back(HistoryEvent{h.offset, h.time_ms, std::string(body, h.name_len),
                                          std::string(body + h.name_len, h.data_len),
                                          std::string(body + h.name_len + h.data_len, h.user_len),
                                          h.origin});
        expect = h.offset - 1;
        link = h.prev;
    }
    std::reverse(out.events.begin(), out.events.end());
    if (out.events.empty())
        out.complete = out.latest != 0 && out.latest == since;
    else
        out.complete = out.events.front().offset == since + 1;
}

}  // namespace shoal::bus
