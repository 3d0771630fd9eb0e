// `schedlab report gbench FILE`: Markdown (and CSV) tables from the JSON that a Google Benchmark
// binary writes with --benchmark_out.
#include <fmt/format.h>

#include <iostream>

#include "schedlab/cli/report_commands.hpp"
#include "schedlab/cli/report_inputs.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/output_file.hpp"
#include "schedlab/reports/gbench.hpp"

namespace schedlab::cli {

Subcommand add_report_gbench(CLI::App& report) {
  struct Args {
    std::string gbench_file, csv;
  };
  auto args = std::make_shared<Args>();
  CLI::App* gbench = report.add_subcommand(
      "gbench", "Markdown (and CSV) tables from the benchmark binary's JSON output");
  gbench->add_option("FILE", args->gbench_file, "--benchmark_out JSON file")->required();
  gbench->add_option("--csv", args->csv, "also write the table as CSV to this file");
  return {gbench, [args] {
            if (!args->csv.empty()) check_not_an_input(args->csv, {args->gbench_file});
            const nlohmann::json j = read_json(args->gbench_file);
            std::string markdown, csv;
            try {
              markdown = reports::gbench_markdown(j);
              if (!args->csv.empty()) csv = reports::gbench_csv(j);
            } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
              throw UsageError(fmt::format(
                  "{}: not Google Benchmark JSON as written by --benchmark_out_format=json: {}",
                  args->gbench_file, e.what()));
            } catch (const UsageError& e) {  // not such JSON at all
              throw UsageError(fmt::format("{}: {}", args->gbench_file, e.what()));
            }
            std::cout << markdown;
            if (!args->csv.empty()) write_output_file(args->csv, csv);
            return 0;
          }};
}

}  // namespace schedlab::cli
