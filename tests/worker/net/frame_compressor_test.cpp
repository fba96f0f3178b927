// SPDX-License-Identifier: MIT
// test-support: alloc_counter
// Shared compression builds one twin per frame, for every subscriber, and allocates nothing for
// the second subscriber onward; dedicated streams keep their context.
#include "worker/net/frame_compressor.hpp"

#include <zlib.h>

#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/alloc_counter.hpp"

using namespace shoal;
using net::FrameRef;
using net::SharedFrame;

namespace {

common::CompressionSettings settings(common::Compression mode, std::uint32_t threshold = 64) {
    common::CompressionSettings s;
    s.mode = mode;
    s.threshold_bytes = threshold;
    return s;
}

std::string inflate_raw(z_stream& z, std::string data) {
    data.append("\x00\x00\xff\xff", 4);
    std::string out(1 << 16, '\0');
    z.next_in = reinterpret_cast<Bytef*>(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(inflate(&z, Z_SYNC_FLUSH) == Z_OK);
    out.resize(out.size() - z.avail_out);
    return out;
}

std::string event_json(std::size_t bytes) {
    std::string s = R"({"event":"update","channel":"news","data":")";
    while (s.size() + 2 < bytes)
        s += "lorem ipsum dolor sit amet ";
    s.resize(bytes - 2);
    return s + "\"}";
}

}  // namespace

TEST_CASE("FrameCompressor: a data frame's twin is built once and shared by every subscriber",
          "[worker][net][deflate]") {
    net::FrameCompressor fc(settings(common::Compression::Shared), 64 * 1024);
    const FrameRef frame = SharedFrame::make_text(event_json(1024));
    const FrameRef first = fc.shared(frame);
    REQUIRE(&*first != &*frame);
    CHECK(first->wire()[0] == static_cast<char>(0xC1));  // FIN, RSV1, text
    CHECK(first->wire().size() < frame->wire().size() / 2);
    CHECK(fc.frames_compressed() == 1);
    {
        test::AllocationScope scope;
        for (int subscriber = 0; subscriber < 1000; ++subscriber) {
            const FrameRef again = fc.shared(frame);
            REQUIRE(&*again == &*first);
        }
        CHECK(scope.count() == 0);
    }
    CHECK(fc.frames_compressed() == 1);
    // The twin lives as long as its frame: the frame's reference plus ours.
    CHECK(first.use_count() == 2);
    z_stream z{};
    inflateInit2(&z, -15);
    CHECK(inflate_raw(z, std::string(first->payload())) == frame->payload());
    inflateEnd(&z);
}

TEST_CASE("FrameCompressor: small, control, non-WebSocket and incompressible frames go as they are",
          "[worker][net][deflate]") {
    net::FrameCompressor fc(settings(common::Compression::Shared, 128), 64 * 1024);
    const FrameRef small = SharedFrame::make_text(event_json(127));
    CHECK(&*fc.shared(small) == &*small);
    const FrameRef at_threshold = SharedFrame::make_text(event_json(128));
    CHECK(&*fc.shared(at_threshold) != &*at_threshold);
    const FrameRef close = SharedFrame::make_close(1000, std::string(100, 'c'));
    CHECK(&*fc.shared(close) == &*close);
    const FrameRef raw = SharedFrame::make_raw(std::string(500, 'h'));
    CHECK(&*fc.shared(raw) == &*raw);

    std::mt19937 rng(7);
    std::string noise(4096, '\0');
    for (char& c : noise)
        c = static_cast<char>(rng());
    const FrameRef random = SharedFrame::make_binary(noise);
    CHECK(&*fc.shared(random) == &*random);
    CHECK(random->twin_state() == SharedFrame::Twin::NotSmaller);
    const std::uint64_t before = fc.frames_compressed();
    CHECK(&*fc.shared(random) == &*random);  // not tried again
    CHECK(fc.frames_compressed() == before);
}

TEST_CASE("FrameCompressor: a dedicated stream compresses each frame for its client, in order",
          "[worker][net][deflate]") {
    net::FrameCompressor fc(settings(common::Compression::Dedicated), 64 * 1024);
    auto stream = fc.new_stream(12);
    REQUIRE(stream->ok());
    CHECK(stream->memory_bytes() <= (std::size_t{1} << 15) + 8 * 1024);
    z_stream z{};
    inflateInit2(&z, -12);
    std::size_t first = 0;
    for (int i = 0; i < 4; ++i) {
        const FrameRef frame = SharedFrame::make_text(event_json(600));
        const FrameRef mine = fc.dedicated(frame, *stream);
        REQUIRE(mine);
        CHECK(frame->twin_state() == SharedFrame::Twin::Untried);  // nothing shared
        CHECK(inflate_raw(z, std::string(mine->payload())) == frame->payload());
        if (i == 0) first = mine->wire().size();
        if (i > 0) CHECK(mine->wire().size() < first / 4);  // the window holds the last one
    }
    inflateEnd(&z);
}

TEST_CASE("FrameCompressor: a client's compressed message inflates up to the message limit",
          "[worker][net][deflate]") {
    net::FrameCompressor fc(settings(common::Compression::Shared), 1024);
    z_stream d{};
    deflateInit2(&d, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    auto compress = [&](const std::string& text) {
        std::string out(text.size() + 64, '\0');
        d.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
        d.avail_in = static_cast<uInt>(text.size());
        d.next_out = reinterpret_cast<Bytef*>(out.data());
        d.avail_out = static_cast<uInt>(out.size());
        deflate(&d, Z_SYNC_FLUSH);
        out.resize(out.size() - d.avail_out - 4);
        deflateReset(&d);
        return out;
    };
    std::string_view out;
    CHECK(fc.inflate(compress("hello"), out) == codec::InflateStatus::Ok);
    CHECK(out == "hello");
    CHECK(fc.inflate(compress(std::string(1025, 'a')), out) == codec::InflateStatus::TooBig);
    CHECK(fc.inflate(compress(std::string(1024, 'a')), out) == codec::InflateStatus::Ok);
    CHECK(out.size() == 1024);
    deflateEnd(&d);
}
