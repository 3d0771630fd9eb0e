// `schedlab report html RESULTS`: report.html again from a results.json (of this or another
// machine), beside it or where -o says.
#include <filesystem>
#include <iostream>

#include "schedlab/cli/report_commands.hpp"
#include "schedlab/cli/report_inputs.hpp"
#include "schedlab/core/output_file.hpp"
#include "schedlab/reports/reporter.hpp"

namespace schedlab::cli {

Subcommand add_report_html(CLI::App& report) {
  struct Args {
    std::string results_file, output;
  };
  auto args = std::make_shared<Args>();
  CLI::App* html = report.add_subcommand(
      "html", "Render report.html (charts, graph pictures, timelines) from a results.json");
  html->add_option("RESULTS", args->results_file, "results.json of a run (- for standard input)")
      ->required();
  html->add_option("-o,--output", args->output,
                   "where to write the page, - for standard output (default: report.html "
                   "beside RESULTS)");
  return {html, [args] {
            const std::string beside =
                (std::filesystem::path(args->results_file).parent_path() / "report.html").string();
            const std::string out = !args->output.empty()       ? args->output
                                    : args->results_file == "-" ? std::string("-")
                                                                : beside;
            if (out != "-") check_not_an_input(out, {args->results_file});
            const reports::Files files =
                reports::html_reporter()->render(read_results(args->results_file));
            if (out == "-") {
              std::cout << files.front().second;
            } else {
              write_output_file(out, files.front().second);
              std::cerr << "Wrote " << out << "\n";
            }
            return 0;
          }};
}

}  // namespace schedlab::cli
