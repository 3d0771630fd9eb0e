#include "schedlab/cli/report_inputs.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <utility>

#include "schedlab/core/bounded_input.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/output_file.hpp"
#include "schedlab/reports/compare.hpp"
#include "schedlab/reports/results_json.hpp"

namespace schedlab::cli {
namespace {
// results.json and Google Benchmark's JSON: the same limit as a graph file.
constexpr size_t kMaxJsonInputBytes = size_t{1} << 30;
}  // namespace

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

std::vector<std::string> side_files(const std::string& first, const std::vector<std::string>& more,
                                    const std::string& which) {
  std::vector<std::string> files;
  if (!first.empty()) files.push_back(first);
  files.insert(files.end(), more.begin(), more.end());
  if (files.empty()) {
    const bool old = which == "earlier";
    throw UsageError(
        fmt::format("report compare: give the {} run, as {} or with --{} FILE (repeatable)", which,
                    old ? "OLD" : "NEW", old ? "old" : "new"));
  }
  return files;
}

reports::SuiteResult read_side(const std::vector<std::string>& files, bool by_runs) {
  std::vector<reports::SuiteResult> runs;
  for (const std::string& f : files) runs.push_back(read_results(f));
  return by_runs ? reports::combine_runs(std::move(runs), files) : std::move(runs.front());
}

}  // namespace schedlab::cli
