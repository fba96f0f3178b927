// SPDX-License-Identifier: MIT
// Flags and their rendering back to flags for the worker command line.
#include "supervisor/cli_options.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

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
    in.cluster.url = "redis://127.0.0.1:6390/2";
    in.cluster.host_timeout_ms = 1500;
    in.limits.cache_ttl_s = 42;
    in.limits.max_cached_channels = 77;
    in.apps_file = "/dev/shm/shoal-7001.apps.json";
    in.tls.cert_file = "/etc/shoal/chain.pem";
    in.tls.key_file = "/etc/shoal/key.pem";
    in.tls.plain_port = 7080;
    in.compression.mode = common::Compression::Dedicated;
    in.compression.threshold_bytes = 321;
    in.compression.window_bits = 11;
    in.webhooks.grace_ms = 0;
    in.webhooks.batch_ms = 20;
    in.webhooks.batch_max = 7;
    in.webhooks.queue_bytes = 1u << 20;
    in.webhooks.timeout_ms = 900;
    in.webhooks.retry_for_ms = 60'000;

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
    REQUIRE(out.cluster.url == "redis://127.0.0.1:6390/2");
    REQUIRE(out.cluster.host_timeout_ms == 1500);
    REQUIRE(out.limits.cache_ttl_s == 42);
    REQUIRE(out.limits.max_cached_channels == 77);
    REQUIRE(out.apps_file == "/dev/shm/shoal-7001.apps.json");
    REQUIRE(out.tls.cert_file == "/etc/shoal/chain.pem");
    REQUIRE(out.tls.key_file == "/etc/shoal/key.pem");
    REQUIRE(out.tls.plain_port == 7080);
    REQUIRE(out.compression.mode == common::Compression::Dedicated);
    REQUIRE(out.compression.threshold_bytes == 321);
    REQUIRE(out.compression.window_bits == 11);
    REQUIRE(out.webhooks.grace_ms == 0);
    REQUIRE(out.webhooks.batch_ms == 20);
    REQUIRE(out.webhooks.batch_max == 7);
    REQUIRE(out.webhooks.queue_bytes == 1u << 20);
    REQUIRE(out.webhooks.timeout_ms == 900);
    REQUIRE(out.webhooks.retry_for_ms == 60'000);
}

TEST_CASE("cli_options: TLS and compression settings are checked", "[supervisor]") {
    auto parse = [](std::vector<std::string> argv) {
        std::vector<std::string> rev(argv.rbegin(), argv.rend());
        CLI::App app;
        common::Config out;
        sup::CliScratch scratch;
        sup::add_config_options(app, out, scratch);
        app.parse(rev);
        return sup::apply_scratch(scratch, out);
    };
    CHECK(parse({"--compression", "shared"}).ok());
    CHECK(parse({"--compression", "zstd"}).error().message() ==
          "--compression must be off|shared|dedicated: config");
    CHECK(parse({"--tls-cert", "c.pem"}).error().message() ==
          "--tls-cert and --tls-key go together: config");
    CHECK(parse({"--plain-port", "8080"}).error().message() ==
          "--plain-port needs --tls-cert: config");
    CHECK_FALSE(
        parse({"--tls-cert", "c", "--tls-key", "k", "--port", "8443", "--plain-port", "8443"})
            .ok());
    CHECK_FALSE(parse({"--compression-window-bits", "8"}).ok());
    CHECK(parse({"--compression-window-bits", "9"}).ok());
}

TEST_CASE("cli_options: a worker's arguments carry the cluster url without its password",
          "[supervisor]") {
    common::Config in;
    in.cluster.url = "redis://shoal:hunter2@10.0.0.7:6379/1";
    const std::vector<std::string> args = sup::to_args(in);
    bool found = false;
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == "--cluster") {
            found = true;
            CHECK(args[i + 1] == "redis://10.0.0.7:6379/1");
        }
        CHECK(args[i].find("hunter2") == std::string::npos);
    }
    CHECK(found);
}

TEST_CASE("cli_options: the cluster settings can come from a config file", "[supervisor]") {
    char path[] = "/tmp/shoal-cli-config-XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    const std::string text =
        "cluster = \"redis://10.0.0.7:6379/1\"\n"
        "cluster-host-timeout-ms = 4500\nworkers = 2\n";
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);

    CLI::App app;
    common::Config c;
    sup::CliScratch scratch;
    sup::add_config_options(app, c, scratch);
    sup::add_config_file_option(app);
    app.parse(std::vector<std::string>{path, "--config"});
    ::unlink(path);
    REQUIRE(sup::apply_scratch(scratch, c).ok());
    REQUIRE(c.cluster.url == "redis://10.0.0.7:6379/1");
    REQUIRE(c.cluster.host_timeout_ms == 4500);
    REQUIRE(c.workers == 2);
}

TEST_CASE("cli_options: a cluster url that is not redis:// is a config error", "[supervisor]") {
    common::Config c;
    c.cluster.url = "http://127.0.0.1:6379";
    auto r = c.validate();
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().message().find("--cluster") != std::string::npos);
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

TEST_CASE("cli_options: webhook settings out of range are config errors naming the flag",
          "[supervisor]") {
    common::Config c;
    c.webhooks.batch_max = 0;
    auto r = c.validate();
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().message().find("--webhook-batch-max") != std::string::npos);
    c = common::Config{};
    c.webhooks.queue_bytes = 1000;
    r = c.validate();
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.error().message().find("--webhook-queue-bytes") != std::string::npos);
}
