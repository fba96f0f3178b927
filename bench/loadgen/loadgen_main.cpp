// SPDX-License-Identifier: MIT
// shoal_loadgen: parses options, runs one bounded load run, prints the table or JSON.
// Exit codes: 0 done, 2 bad options, 1 the run could not start (environment), 3 nobody subscribed.
#include <csignal>
#include <cstdio>

#include "bench/loadgen/load_run.hpp"
#include "bench/loadgen/loadgen_options.hpp"

int main(int argc, char** argv) {
    using namespace shoal::loadgen;
    std::signal(SIGPIPE, SIG_IGN);
    auto options = parse_load_options(argc, argv);
    if (!options) {
        const std::string& msg = options.error().context;
        if (msg.rfind("help\n", 0) == 0) {
            std::fputs(msg.c_str() + 5, stdout);
            return 0;
        }
        std::fprintf(stderr, "shoal_loadgen: %s\n", msg.c_str());
        return 2;
    }
    if (const std::string problem = validate(options.value()); !problem.empty()) {
        std::fprintf(stderr, "shoal_loadgen: %s\n", problem.c_str());
        return 2;
    }
    auto report = run_load(options.value());
    if (!report) {
        std::fprintf(stderr, "shoal_loadgen: %s\n", report.error().message().c_str());
        return 1;
    }
    const std::string out =
        options->json ? render_json(report.value()) + "\n" : render_table(report.value());
    std::fputs(out.c_str(), stdout);
    return report->subscribed == 0 ? 3 : 0;
}
