// SPDX-License-Identifier: MIT
// Flags and their rendering back to flags for the worker command line.
#include "supervisor/cli_options.hpp"

#include <catch2/catch.hpp>

using namespace shoal;

TEST_CASE("cli_options: a config rendered to flags parses back to the same config",
          "[supervisor]") {
    common::Config in;
    in.port = 7001;
    in.workers = 3;
    in.app.secret = "s3cret";
    in.log_format = common::LogFormat::Json;
    in.policy.breaker_failures = 2;
    in.policy.heartbeat_interval_ms = 50;
    in.policy.backoff_initial_ms = 7;
    in.policy.backoff_max_ms = 900;
    in.policy.healthy_after_ms = 1234;
    in.phoenix_deny_push_prefixes = {"ro:", "announce:"};

    std::vector<std::string> args = sup::to_args(in);
    std::vector<std::string> rev(args.rbegin(), args.rend());

    CLI::App app;
    common::Config out;
    sup::CliScratch scratch;
    sup::add_config_options(app, out, scratch);
    app.parse(rev);
    REQUIRE(sup::apply_scratch(scratch, out).ok());

    REQUIRE(out.port == 7001);
    REQUIRE(out.workers == 3);
    REQUIRE(out.app.secret == "s3cret");
    REQUIRE(out.log_format == common::LogFormat::Json);
    REQUIRE(out.policy.breaker_failures == 2);
    REQUIRE(out.policy.heartbeat_interval_ms == 50);
    REQUIRE(out.policy.backoff_initial_ms == 7);
    REQUIRE(out.policy.backoff_max_ms == 900);
    REQUIRE(out.policy.healthy_after_ms == 1234);
    REQUIRE(out.phoenix_deny_push_prefixes == std::vector<std::string>{"ro:", "announce:"});
    REQUIRE(out.effective_bus_name() == "shoal-7001");
}

TEST_CASE("cli_options: a bad log level is a config error naming the flag", "[supervisor]") {
    CLI::App app;
    common::Config c;
    sup::CliScratch scratch;
    sup::add_config_options(app, c, scratch);
    app.parse(std::vector<std::string>{"loud", "--log-level"});
    auto r = sup::apply_scratch(scratch, c);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().message().find("--log-level") != std::string::npos);
}
