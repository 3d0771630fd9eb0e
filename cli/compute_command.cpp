#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/graph_source.hpp"
#include "reports/atomic_file.hpp"
#include "core/graph_file.hpp"
#include "reports/atomic_file.hpp"
#include "core/value_json.hpp"
#include "schedulers/compute.hpp"
#include "schedulers/trace.hpp"

namespace schedlab::cli {

Command add_compute(CLI::App& app) {
  struct Args {
    GraphSource source;
    std::string scheduler = "threads", trace;
    unsigned workers = 0;
    bool stats = false, gil = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("compute", "Run a graph file and print its target values as JSON");
  args->source.add_options(*sub, "graph file (JSON), - for standard input, or a scenario name");
  sub->add_option("-s,--scheduler", args->scheduler, "scheduler name or alias (see `schedlab list`)")
      ->capture_default_str();
  sub->add_option("-w,--workers", args->workers, "workers (default: one per core)")
      ->check(CLI::Range(1u, 1024u));
  sub->add_option("--trace", args->trace, "write a per-task trace (Chrome trace JSON) to this file");
  sub->add_flag("--stats", args->stats, "add run statistics (CPU, memory, tasks) to the output");
  sub->add_flag("--gil", args->gil, "run ops under an emulated GIL (one per process)");
  return [args] {
    LoadedGraph loaded = args->source.load();
    ComputeOptions options;
    options.scheduler = args->scheduler;
    options.workers = args->workers;
    options.trace = !args->trace.empty();
    options.gil = args->gil;
    ComputeResult result = compute(loaded.graph, loaded.targets, options);

    nlohmann::ordered_json out;
    nlohmann::ordered_json results = nlohmann::ordered_json::object();
    for (size_t i = 0; i < loaded.targets.size(); ++i) {
      results[std::string(loaded.graph.key(loaded.targets[i]))] = to_json(result.values[i]);
    }
    out["results"] = std::move(results);
    out["scheduler"] = result.scheduler;
    out["workers"] = result.workers;
    out["wall_ms"] = result.stats.wall_ms;
    if (args->stats) {
      const RunStats& s = result.stats;
      out["stats"] = {{"cpu_ms", s.cpu_ms},
                      {"peak_rss_bytes", s.peak_rss_bytes},
                      {"tasks_run", s.tasks_run},
                      {"peak_live_intermediates", s.peak_live_intermediates},
                      {"peak_live_bytes", s.peak_live_bytes},
                      {"bytes_to_workers", s.bytes_to_workers},
                      {"bytes_from_workers", s.bytes_from_workers},
                      {"serialise_ms", s.serialise_ms}};
    }
    if (!args->trace.empty()) reports::write_file_atomically(args->trace, trace_to_json(loaded.graph, result));
    std::cout << out.dump() << "\n";
    return 0;
  };
}

}  // namespace schedlab::cli
