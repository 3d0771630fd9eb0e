// The subcommands of the `schedlab` tool. Each add_* registers one subcommand on the app and
// returns the function that runs it once CLI11 has parsed the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "schedlab/live/live_state.hpp"
#include "schedlab/schedulers/deadlines.hpp"

namespace schedlab::cli {

using Command = std::function<int()>;

// Counts as people write them: decimal digits only. (CLI11 alone takes "0x10" as 16 and " 2"
// as 2.) Checked on the text, before a range check on the number.
inline CLI::Validator decimal_count() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const bool digits =
            !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        return digits ? ""
                      : "'" + text + "' is not a count: write a whole number in decimal digits";
      },
      "COUNT");
}

// --timeout and --task-timeout, for the commands that run graphs.
struct LimitArgs {
  std::string timeout, task_timeout;
  void add_options(CLI::App& sub);
  Limits limits() const;  // UsageError naming the flag for a bad duration
};

// --threads-per-worker, --memory-limit and --pool: how the worker processes of distributed and
// processes are made.
struct ClusterArgs {
  unsigned threads_per_worker = 1;
  std::string memory_limit;     // "4GB", "500MiB"
  std::string pool = "reused";  // --pool: "fresh" starts processes' pool anew for every run
  bool fresh_pool() const { return pool == "fresh"; }
  unsigned chunksize = 1;  // --chunksize
  void add_options(CLI::App& sub);
  void add_pool_options(CLI::App& sub);  // --pool and --chunksize only (`lesson`)
  uint64_t memory_limit_bytes() const;   // 0: none; UsageError naming the flag
};

// --live, --live-port, --live-host, --live-wait: the live view of a command's runs
// (live/live_server.hpp). Any of the last three implies --live.
struct LiveArgs {
  bool live = false, wait = false;
  int port = 0;
  std::string host = "127.0.0.1";
  void add_options(CLI::App& sub);
  // Runs `body` with the live view's state to report to (nullptr without --live): starts the
  // server and prints its URL first, shows how the command ended, and with --live-wait keeps
  // serving until Ctrl-C. Returns or throws what `body` does.
  int run(const std::function<int(live::LiveState*)>& body) const;
};

// "4GB" (10^9), "512MiB" (2^20), "1000000" (bytes): as Dask's memory_limit.
uint64_t parse_size(const std::string& text, std::string_view flag);

// --max-graph-size, for the commands that read graph files: sets the process's limit
// (core/graph_file.hpp) as it is parsed.
void add_max_graph_size_option(CLI::App& sub);

Command add_bench(CLI::App& app);
Command add_compute(CLI::App& app);
Command add_conformance(CLI::App& app);
Command add_graph(CLI::App& app);
Command add_lesson(CLI::App& app);
Command add_list(CLI::App& app);
Command add_predict(CLI::App& app);
Command add_report(CLI::App& app);
Command add_run(CLI::App& app);

}  // namespace schedlab::cli
