// SPDX-License-Identifier: MIT
// test-links: shoal_loadgen_lib
// Command-line parsing, the automatic values and the combinations refused before a run starts.
#include "bench/loadgen/loadgen_options.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::loadgen;

namespace {
shoal::common::Result<LoadOptions> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "shoal_loadgen");
    std::vector<char*> argv;
    for (std::string& a : args)
        argv.push_back(a.data());
    return parse_load_options(static_cast<int>(argv.size()), argv.data());
}
}  // namespace

TEST_CASE("loadgen_options: flags land in their fields", "[bench][options]") {
    auto o =
        parse({"--port", "7001", "-n", "500", "-c", "50", "-s", "1024", "-r", "2000", "--publish",
               "client", "--server-pid", "42", "--json", "--label", "x", "--busy-poll"});
    REQUIRE(o.ok());
    REQUIRE(o->port == 7001);
    REQUIRE(o->connections == 500);
    REQUIRE(o->channels == 50);
    REQUIRE(o->payload_bytes == 1024);
    REQUIRE(o->rate == 2000);
    REQUIRE(o->mode == PublishMode::Client);
    REQUIRE(o->server_pid == 42);
    REQUIRE(o->json);
    REQUIRE(o->label == "x");
    REQUIRE(o->busy_poll);
    REQUIRE(validate(o.value()).empty());
}

TEST_CASE("loadgen_options: source addresses and API connections are sized automatically",
          "[bench][options]") {
    auto small = parse({"-n", "1000", "-c", "1"});
    REQUIRE(small.ok());
    REQUIRE(small->source_addresses == 1);
    REQUIRE(small->api_connections == 4);  // one request owes 10,000: a window is 2 requests
    REQUIRE(delivery_window(small.value(), 1000) == 20'000);
    auto many = parse({"-n", "60000", "-c", "1000"});
    REQUIRE(many.ok());
    REQUIRE(many->source_addresses == 3);  // past one address's ephemeral ports
    REQUIRE(many->api_connections == 64);  // clamped
    REQUIRE(delivery_window(many.value(), 60'000) == 8 * 60'000);
    auto fixed = parse({"--api-connections", "7", "--source-addresses", "2"});
    REQUIRE(fixed.ok());
    REQUIRE(fixed->api_connections == 7);
    REQUIRE(fixed->source_addresses == 2);
}

TEST_CASE("loadgen_options: bad values and impossible combinations are refused",
          "[bench][options]") {
    REQUIRE_FALSE(parse({"-n", "0"}).ok());
    REQUIRE_FALSE(parse({"--publish", "carrier-pigeon"}).ok());
    REQUIRE_FALSE(parse({"--batch", "11"}).ok());  // Pusher's batch_events takes at most 10
    REQUIRE_FALSE(parse({"--no-such-flag"}).ok());
    auto more_channels = parse({"-n", "10", "-c", "20"});
    REQUIRE(more_channels.ok());
    REQUIRE_FALSE(validate(more_channels.value()).empty());
    auto lonely = parse({"--publish", "client", "-n", "15", "-c", "10"});
    REQUIRE(lonely.ok());  // some channel would have a sender and no one to receive
    REQUIRE(validate(lonely.value()).find("two subscribers") != std::string::npos);
    auto help = parse({"--help"});
    REQUIRE_FALSE(help.ok());
    REQUIRE(help.error().context.rfind("help\n", 0) == 0);
}

TEST_CASE("loadgen_options: TLS, deflate and the JSON fill; TLS publishes to a plain port",
          "[bench][options]") {
    auto o = parse({"--tls", "--deflate", "--api-port", "8080", "--payload-fill", "json"});
    REQUIRE(o.ok());
    CHECK(o->tls);
    CHECK(o->deflate);
    CHECK(o->payload_fill == PayloadFill::Json);
    CHECK(validate(o.value()).empty());
    auto no_api = parse({"--tls"});
    REQUIRE(no_api.ok());
    CHECK(validate(no_api.value()).find("--api-port") != std::string::npos);
    CHECK_FALSE(parse({"--payload-fill", "zeros"}).ok());
}
