#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <utility>

#include "schedlab/cli/commands.hpp"
#include "schedlab/core/bounded_input.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/output_file.hpp"
#include "schedlab/reports/compare.hpp"
#include "schedlab/reports/gbench.hpp"
#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/results_json.hpp"

namespace schedlab::cli {
namespace {

// results.json and Google Benchmark's JSON: the same limit as a graph file.
constexpr size_t kMaxJsonInputBytes = size_t{1} << 30;

// "-" is standard input (once per command: a second "-" would find it empty).
nlohmann::json read_json(const std::string& path) {
  static bool stdin_used = false;
  if (path == "-") {
    if (std::exchange(stdin_used, true)) {
      throw UsageError("'-' (standard input) can be given for one file only");
    }
  }
  std::error_code ec;
  if (path != "-" && std::filesystem::is_directory(path, ec)) {
    throw UsageError(fmt::format("'{}' is a directory; give a JSON file", path));
  }
  return parse_json_input(read_bounded_file(path, "JSON file", kMaxJsonInputBytes), path);
}

// An output that is one of the inputs would be replaced by what was read from it: refused.
void check_not_an_input(const std::string& output, const std::vector<std::string>& inputs) {
  check_output_path(output);
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (input != "-" && std::filesystem::equivalent(output, input, ec)) {
      throw UsageError(fmt::format(
          "'{}' is also the input '{}': writing there would replace what is read; give another "
          "output file",
          output, input));
    }
  }
}

reports::SuiteResult read_results(const std::string& path) {
  const nlohmann::json tree = read_json(path);  // its errors name the file already
  try {
    return reports::suite_from_json(tree);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: {}", path, e.what()));
  }
}

// "5%" or "5": the smallest change called real, as a fraction.
double parse_threshold(const std::string& text) {
  std::string number = text;
  if (number.ends_with('%')) number.pop_back();
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (number.empty() || *end != '\0' || !(v >= 0 && v <= 1000)) {
    throw UsageError(
        fmt::format("--threshold {}: give a percentage from 0 to 1000, e.g. --threshold 5%", text));
  }
  return v / 100;
}

double checked_alpha(double alpha) {
  if (!(alpha > 0 && alpha < 1)) {
    throw UsageError(fmt::format("--alpha {}: give a p-value between 0 and 1, e.g. 0.05", alpha));
  }
  return alpha;
}

}  // namespace

Command add_report(CLI::App& app) {
  struct Args {
    std::string old_file, new_file, gbench_file, csv, html, json, results_file, output;
    std::string threshold = "5%";
    double alpha = 0.05;
    bool force = false, fail_on_regression = false, allow_context_change = false;
    std::vector<std::string> more_old, more_new;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("report",
                                     "Turn results into reports: render report.html, compare "
                                     "two runs, or read Google Benchmark output");
  sub->require_subcommand(1);
  CLI::App* compare = sub->add_subcommand(
      "compare", "Markdown table of NEW/OLD per cell, and whether each change is beyond the noise");
  compare->add_option("OLD", args->old_file,
                      "results.json of the earlier run (- for standard input)");
  compare->add_option("NEW", args->new_file, "results.json of the later run");
  compare->add_option("--old", args->more_old,
                      "another run of the old side (repeatable): each cell is then sampled "
                      "once per run, so that the test sees the noise between processes");
  compare->add_option("--new", args->more_new, "another run of the new side (repeatable)");
  compare->add_option("--html", args->html, "also write the comparison as an HTML page here");
  compare->add_option("--json", args->json, "also write the comparison as JSON here (for scripts)");
  compare->add_option("--threshold", args->threshold,
                      "smallest change of a median called faster or slower (default 5%)");
  compare->add_option("--alpha", args->alpha,
                      "largest p-value of the U test over the repetitions for a real change "
                      "(default 0.05)");
  compare->add_flag("--allow-context-change", args->allow_context_change,
                    "let the gate pass runs from another host, CPU, core count, build type or "
                    "schedlab version");
  compare->add_flag("--force", args->force,
                    "compare even where the runs differ in unit, parameters or GIL setting");
  compare->add_flag("--fail-on-regression", args->fail_on_regression,
                    "exit 1 when a cell is slower beyond the noise, failed or is missing in NEW, "
                    "or the runs' contexts differ (for CI)");
  CLI::App* html = sub->add_subcommand(
      "html", "Render report.html (charts, graph pictures, timelines) from a results.json");
  html->add_option("RESULTS", args->results_file, "results.json of a run (- for standard input)")
      ->required();
  html->add_option("-o,--output", args->output,
                   "where to write the page, - for standard output (default: report.html "
                   "beside RESULTS)");
  CLI::App* gbench = sub->add_subcommand(
      "gbench", "Markdown (and CSV) tables from the benchmark binary's JSON output");
  gbench->add_option("FILE", args->gbench_file, "--benchmark_out JSON file")->required();
  gbench->add_option("--csv", args->csv, "also write the table as CSV to this file");
  return [args, compare, html] {
    if (compare->parsed()) {
      // The positional files first, then --old/--new: one side may be several runs.
      auto side = [](const std::string& first, const std::vector<std::string>& more,
                     const char* which) {
        std::vector<std::string> files;
        if (!first.empty()) files.push_back(first);
        files.insert(files.end(), more.begin(), more.end());
        if (files.empty()) {
          throw UsageError(fmt::format(
              "report compare: give the {0} run, as {1} or with --{2} FILE (repeatable)", which,
              which == std::string("earlier") ? "OLD" : "NEW",
              which == std::string("earlier") ? "old" : "new"));
        }
        return files;
      };
      const std::vector<std::string> old_files = side(args->old_file, args->more_old, "earlier"),
                                     new_files = side(args->new_file, args->more_new, "later");
      reports::CompareOptions options{parse_threshold(args->threshold), checked_alpha(args->alpha)};
      options.old_files = old_files.size();
      options.new_files = new_files.size();
      std::vector<std::string> inputs = old_files;
      inputs.insert(inputs.end(), new_files.begin(), new_files.end());
      for (const std::string& out : {args->html, args->json}) {
        if (!out.empty()) check_not_an_input(out, inputs);
      }
      const bool by_runs = old_files.size() > 1 || new_files.size() > 1;
      auto read_side = [by_runs](const std::vector<std::string>& files) {
        std::vector<reports::SuiteResult> runs;
        for (const std::string& f : files) runs.push_back(read_results(f));
        return by_runs ? reports::combine_runs(std::move(runs), files) : std::move(runs.front());
      };
      const reports::SuiteResult old_run = read_side(old_files), new_run = read_side(new_files);
      if (!args->force) reports::check_comparable(old_run, new_run);
      const reports::Comparison cmp = reports::compare_runs(old_run, new_run, options);
      std::cout << reports::compare_markdown(old_run, new_run, cmp);
      if (!args->html.empty())
        write_output_file(args->html, reports::compare_html(old_run, new_run, cmp));
      if (!args->json.empty()) {
        write_output_file(
            args->json,
            reports::compare_json(old_run, new_run, cmp, args->allow_context_change).dump(2) +
                "\n");
      }
      const std::vector<std::string> failures = cmp.gate_failures(args->allow_context_change);
      if (args->fail_on_regression && !failures.empty()) {
        for (const std::string& f : failures) std::cerr << "schedlab: " << f << "\n";
        return 1;
      }
      return 0;
    }
    if (html->parsed()) {
      const std::string out =
          !args->output.empty() ? args->output
          : args->results_file == "-"
              ? std::string("-")
              : (std::filesystem::path(args->results_file).parent_path() / "report.html").string();
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
    }
    if (!args->csv.empty()) check_not_an_input(args->csv, {args->gbench_file});
    nlohmann::json j = read_json(args->gbench_file);
    std::string markdown, csv;
    try {
      markdown = reports::gbench_markdown(j);
      if (!args->csv.empty()) csv = reports::gbench_csv(j);
    } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
      throw UsageError(
          fmt::format("{}: not Google Benchmark JSON as written by "
                      "--benchmark_out_format=json: {}",
                      args->gbench_file, e.what()));
    } catch (const UsageError& e) {  // not such JSON at all
      throw UsageError(fmt::format("{}: {}", args->gbench_file, e.what()));
    }
    std::cout << markdown;
    if (!args->csv.empty()) write_output_file(args->csv, csv);
    return 0;
  };
}

}  // namespace schedlab::cli
