// SPDX-License-Identifier: MIT
// The one executable: `shoal serve` (supervisor), `shoal worker` (started by the supervisor, or
// standalone for tests), `shoal status`. R6: the only file of supervisor/ that sees worker/.
#include <csignal>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/version.hpp"
#include "supervisor/apps_command.hpp"
#include "supervisor/cli_options.hpp"
#include "supervisor/supervisor_main.hpp"
#include "worker/worker_main.hpp"

namespace {

constexpr int kExitConfig = 78;  // EX_CONFIG: the supervisor opens the breaker at once on it

}  // namespace

int main(int argc, char** argv) {
    using namespace shoal;
    std::signal(SIGPIPE, SIG_IGN);
    // Until a process watches SIGHUP on its loop, a reload signal must not end it (its default
    // action): a worker can be sent one as it starts.
    std::signal(SIGHUP, SIG_IGN);

    CLI::App app{"shoal: a real-time pub/sub server (Pusher protocol 7, Phoenix Channels v2)"};
    app.set_version_flag("--version", std::string("shoal ") + common::kVersion);
    app.require_subcommand(1);

    common::Config config;
    sup::CliScratch scratch;

    auto* serve = app.add_subcommand("serve", "Start the supervisor and its workers");
    sup::add_config_options(*serve, config, scratch);
    sup::add_config_file_option(*serve);

    worker::WorkerOptions wopts;
    auto* work = app.add_subcommand("worker", "Run one worker (started by `shoal serve`)");
    sup::add_config_options(*work, config, scratch);
    work->add_option("--slot", wopts.slot, "Bus slot (-1: standalone, no bus)");
    work->add_option("--listen-fd", wopts.listen_fd, "Inherited listening socket");
    work->add_option("--plain-listen-fd", wopts.plain_listen_fd,
                     "Inherited --plain-port socket (beside a TLS --listen-fd)");

    bool status_json = false;
    auto* status = app.add_subcommand("status", "Print the state of a running server");
    sup::add_config_options(*status, config, scratch);
    status->add_flag("--json", status_json, "Machine-readable output");

    auto* apps = app.add_subcommand("apps", "Check an apps file, or reload a running server's");
    apps->require_subcommand(1);
    std::string apps_file;
    auto* apps_check = apps->add_subcommand("check", "Validate an apps file as `serve` would");
    apps_check->add_option("file", apps_file, "The apps file")->required();
    auto* apps_reload =
        apps->add_subcommand("reload", "Make the server on --port (or --bus-name) re-read it");
    apps_reload->add_option("--port", config.port, "The server's port")->capture_default_str();
    apps_reload->add_option("--bus-name", config.bus_name,
                            "The server's bus (default shoal-<port>)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    if (auto r = sup::apply_scratch(scratch, config); !r) {
        std::fprintf(stderr, "shoal: %s\n", r.error().message().c_str());
        return kExitConfig;
    }

    if (*apps_check) return sup::run_apps_check(apps_file);
    if (*apps_reload) return sup::run_apps_reload(config);
    if (*serve) return sup::run_supervisor(config);
    if (*work) return worker::run_worker(config, wopts);
    return sup::run_status(config, status_json);
}
