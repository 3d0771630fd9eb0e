// The subcommands of `schedlab report`, each in its own file: options and printing. Each
// returns its CLI11 subcommand (to tell which was given) and the function that runs it.
#pragma once

#include <utility>

#include "schedlab/cli/commands.hpp"

namespace schedlab::cli {

using Subcommand = std::pair<CLI::App*, Command>;

Subcommand add_report_compare(CLI::App& report);  // report_compare_command.cpp
Subcommand add_report_html(CLI::App& report);     // report_html_command.cpp
Subcommand add_report_gbench(CLI::App& report);   // report_gbench_command.cpp

}  // namespace schedlab::cli
