#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

#include "schedlab/cli/commands.hpp"
#include "schedlab/core/duration.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/graph_file.hpp"

namespace schedlab::cli {
namespace {

std::chrono::nanoseconds limit(const std::string& text, std::string_view flag) {
  if (text.empty()) return {};
  const double ms = parse_duration_ms(text, flag, 86'400'000);
  if (ms <= 0)
    throw UsageError(fmt::format("{} {}: a limit must be above 0, such as 30s", flag, text));
  return std::chrono::nanoseconds(static_cast<int64_t>(ms * 1e6));
}

}  // namespace

void LimitArgs::add_options(CLI::App& sub) {
  sub.add_option("--timeout", timeout,
                 "stop with exit 124 when a run takes longer than this (e.g. 30s; in `run`, "
                 "each repetition of a cell)");
  sub.add_option("--task-timeout", task_timeout,
                 "stop with exit 124 when one task runs longer than this (e.g. 5s)");
}

void ClusterArgs::add_options(CLI::App& sub) {
  sub.add_option("--threads-per-worker", threads_per_worker,
                 "distributed: threads in each worker process (default 1)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, 256u));
  sub.add_option("--memory-limit", memory_limit,
                 "distributed: memory per worker process (e.g. 4GB, 512MiB); a worker that "
                 "passes it fails its task and is stopped");
  add_pool_options(sub);
}

void ClusterArgs::add_pool_options(CLI::App& sub) {
  sub.add_option("--pool", pool,
                 "processes: `fresh` starts a new pool of worker processes for every run, on its "
                 "clock, as Dask's multiprocessing scheduler does per compute (default: "
                 "`reused`, one pool for all runs)")
      ->check(CLI::IsMember({"fresh", "reused"}));
  sub.add_option("--chunksize", chunksize,
                 "processes: a free worker takes up to this many ready tasks at once, and their "
                 "results count when the last is done, as Dask's batching (its multiprocessing "
                 "default is 6; default here 1)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, 1024u));
}

uint64_t ClusterArgs::memory_limit_bytes() const {
  if (memory_limit.empty()) return 0;
  const uint64_t bytes = parse_size(memory_limit, "--memory-limit");
  if (bytes < 64'000'000) {
    throw UsageError(fmt::format(
        "--memory-limit '{}': use at least 64MB (a worker rank holds about 16MB before any task)",
        memory_limit));
  }
  return bytes;
}

void add_max_graph_size_option(CLI::App& sub) {
  sub.add_option_function<std::string>(
      "--max-graph-size",
      [](const std::string& text) {
        set_max_graph_file_bytes(parse_size(text, "--max-graph-size"));
      },
      "the largest graph file to read (default 1GiB: a graph takes 1-2x its file in memory)");
}

uint64_t parse_size(const std::string& text, std::string_view flag) {
  size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
    ++digits;
  std::string unit = text.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1},      {"b", 1},         {"kb", 1e3},      {"mb", 1e6},      {"gb", 1e9},
      {"tb", 1e12}, {"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 0x1p40}};
  double scale = 0;
  for (auto [name, factor] : kUnits) {
    if (unit == name) scale = factor;
  }
  char* end = nullptr;
  const std::string number = text.substr(0, digits);
  const double value = number.empty() ? 0 : std::strtod(number.c_str(), &end);
  if (scale == 0 || number.empty() || end != number.c_str() + number.size() || value <= 0) {
    throw UsageError(fmt::format(
        "{} '{}': not a size; write a positive number with an optional unit: B, KB, MB, GB, "
        "TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), such as 4GB",
        flag, text));
  }
  const double bytes = value * scale;
  if (bytes < 1) throw UsageError(fmt::format("{} '{}': less than a byte", flag, text));
  if (bytes > 0x1p60) throw UsageError(fmt::format("{} '{}': too large", flag, text));
  return static_cast<uint64_t>(bytes);
}

Limits LimitArgs::limits() const {
  return Limits{limit(timeout, "--timeout"), limit(task_timeout, "--task-timeout")};
}

}  // namespace schedlab::cli
