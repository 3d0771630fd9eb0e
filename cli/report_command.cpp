// `schedlab report`: compare two runs, render report.html again, or read Google Benchmark's
// JSON. Each subcommand is its own file; this one only picks the one that was given.
#include "schedlab/cli/commands.hpp"
#include "schedlab/cli/report_commands.hpp"

namespace schedlab::cli {

Command add_report(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("report",
                                     "Turn results into reports: render report.html, compare "
                                     "two runs, or read Google Benchmark output");
  sub->require_subcommand(1);
  const std::vector<std::pair<CLI::App*, Command>> subcommands = {
      add_report_compare(*sub), add_report_html(*sub), add_report_gbench(*sub)};
  return [subcommands] {
    for (const auto& [parsed, command] : subcommands) {
      if (parsed->parsed()) return command();
    }
    return 0;  // unreachable: CLI11 requires one
  };
}

}  // namespace schedlab::cli
