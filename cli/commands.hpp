// The subcommands of the `schedlab` tool. Each add_* registers one subcommand on the app and
// returns the function that runs it once CLI11 has parsed the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace schedlab::cli {

using Command = std::function<int()>;

Command add_compute(CLI::App& app);
Command add_graph(CLI::App& app);
Command add_lesson(CLI::App& app);
Command add_list(CLI::App& app);
Command add_predict(CLI::App& app);
Command add_report(CLI::App& app);
Command add_run(CLI::App& app);

}  // namespace schedlab::cli
