#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "schedlab/cli/commands.hpp"
#include "schedlab/cli/graph_source.hpp"
#include "schedlab/cli/profile_view.hpp"
#include "schedlab/core/graph_file.hpp"
#include "schedlab/core/output_file.hpp"
#include "schedlab/core/plan.hpp"
#include "schedlab/core/value_json.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/op_profile.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/schedulers/trace.hpp"

namespace schedlab::cli {

Command add_compute(CLI::App& app) {
  struct Args {
    GraphSource source;
    std::string scheduler, trace;
    std::vector<std::string> targets;
    unsigned workers = 0;
    bool stats = false, gil = false, profile = false;
    LimitArgs limits;
    ClusterArgs cluster;
    LiveArgs live;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub =
      app.add_subcommand("compute", "Run a graph file and print its target values as JSON");
  args->source.add_options(*sub, "graph file (JSON), - for standard input, or a scenario name");
  sub->add_option("-s,--scheduler", args->scheduler,
                  "scheduler name or alias (see `schedlab list`; default: $SCHEDLAB_SCHEDULER, "
                  "else threads)");
  sub->add_option("-t,--target", args->targets,
                  "compute just this key (repeatable; default: the graph's targets)");
  sub->add_option(
         "-w,--workers", args->workers,
         "workers (default: one per core it may use: taskset, cpusets and CPU quotas count)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, kMaxWorkers));
  sub->add_option("--trace", args->trace,
                  "write a per-task trace (Chrome trace JSON) to this file; - writes it to "
                  "standard output (the results then go to standard error)");
  sub->add_flag("--stats", args->stats,
                "add statistics to the output: where the time went (reading, parsing and "
                "validating the graph, planning; wall_ms is the compute), CPU, memory, tasks");
  sub->add_flag("--gil", args->gil, "run ops under an emulated GIL (one per process)");
  sub->add_flag("--profile", args->profile,
                "print the time per op to standard error, as %prun does: calls, total, per call, "
                "and how much of it went to waiting for a lock or the GIL");
  args->limits.add_options(*sub);
  args->cluster.add_options(*sub);
  args->live.add_options(*sub);
  return [args] {
    return args->live.run([&](live::LiveState* live) {
      const Limits limits = args->limits.limits();
      const bool trace_to_stdout = args->trace == "-";
      if (!args->trace.empty() && !trace_to_stdout)
        check_output_path(args->trace);  // before the run
      LoadedGraph loaded = args->source.load();
      if (!args->targets.empty()) loaded.targets = resolve_targets(loaded.graph, args->targets);
      ComputeOptions options;
      options.scheduler = args->scheduler;
      options.workers = args->workers;
      options.threads_per_worker = args->cluster.threads_per_worker;
      options.memory_limit = args->cluster.memory_limit_bytes();
      options.fresh_pool = args->cluster.fresh_pool();
      options.chunksize = args->cluster.chunksize;
      options.trace = !args->trace.empty();
      options.gil = args->gil;
      options.limits = limits;
      OpProfiler profiler;
      options.observers = {live};
      if (args->profile) options.observers.push_back(&profiler);
      double plan_ms = 0;
      {
        StopwatchInto watch(plan_ms);
        plan_for(loaded.graph, loaded.targets);  // kept in the graph for compute()
      }
      ComputeResult result = compute(loaded.graph, loaded.targets, options);

      // Written key by key: an ordered_json object would search its keys linearly on every
      // insertion, quadratic in the number of targets. A target named twice is printed once.
      std::string out = "{\"results\":{";
      std::unordered_set<NodeId> printed;
      for (size_t i = 0; i < loaded.targets.size(); ++i) {
        if (!printed.insert(loaded.targets[i]).second) continue;
        if (printed.size() > 1) out += ',';
        out += json_string(loaded.graph.key(loaded.targets[i]));
        out += ':';
        out += to_json(result.values[i])
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      nlohmann::ordered_json tail;
      tail["scheduler"] = result.scheduler;
      tail["workers"] = result.workers;
      tail["wall_ms"] = result.stats.wall_ms;
      if (args->stats) {
        const RunStats& s = result.stats;
        tail["stats"] = {{"cpu_ms", s.cpu_ms},
                         {"peak_rss_bytes", s.peak_rss_bytes},
                         {"tasks_run", s.tasks_run},
                         {"peak_live_intermediates", s.peak_live_intermediates},
                         {"peak_live_bytes", s.peak_live_bytes},
                         {"bytes_to_workers", s.bytes_to_workers},
                         {"bytes_from_workers", s.bytes_from_workers},
                         {"serialise_ms", s.serialise_ms},
                         {"read_ms", loaded.times.read_ms},
                         {"parse_ms", loaded.times.parse_ms},
                         {"validate_ms", loaded.times.validate_ms},
                         {"plan_ms", plan_ms}};
      }
      out += "},";
      out += tail.dump().substr(1);  // the remaining fields, after the object's opening brace
      if (args->profile) {
        std::cerr << fmt::format("Time per op ({}, {} worker{}):\n", result.scheduler,
                                 result.workers, result.workers == 1 ? "" : "s")
                  << profile_table(profiler.table());
      }
      if (trace_to_stdout) {
        std::cout << trace_to_json(loaded.graph, result) << "\n";
        std::cerr << out << "\n";
        return 0;
      }
      if (!args->trace.empty()) write_output_file(args->trace, trace_to_json(loaded.graph, result));
      std::cout << out << "\n";
      return 0;
    });
  };
}

}  // namespace schedlab::cli
