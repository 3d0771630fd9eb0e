#include <fmt/format.h>

#include <iostream>

#include "schedlab/cli/commands.hpp"
#include "schedlab/cli/graph_source.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/suite/prepared.hpp"

namespace schedlab::cli {

Command add_predict(CLI::App& app) {
  struct Args {
    GraphSource source;
    std::string scheduler;
    unsigned workers = 0, threads_per_worker = 1;
    bool gil = false;
    bool calibrate = false;
    std::string pool = "reused";
    unsigned chunksize = 1;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "predict", "Predict the wall time of a scenario or graph file on a scheduler, with reasons");
  args->source.add_options(*sub, "a scenario name, a graph file (JSON) or - for standard input");
  sub->add_option("-s,--scheduler", args->scheduler,
                  "scheduler name or alias (default: $SCHEDLAB_SCHEDULER, else threads)");
  sub->add_option(
         "-w,--workers", args->workers,
         "workers (default: one per core it may use: taskset, cpusets and CPU quotas count)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, kMaxWorkers));
  sub->add_option("--threads-per-worker", args->threads_per_worker,
                  "distributed: threads in each worker process (default 1)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, 256u));
  sub->add_flag("--gil", args->gil, "predict with the emulated GIL on");
  sub->add_option("--pool", args->pool,
                  "processes: `fresh` predicts a new pool of worker processes for the run, as "
                  "Dask's multiprocessing scheduler starts per compute (default: `reused`)")
      ->check(CLI::IsMember({"fresh", "reused"}));
  sub->add_option("--chunksize", args->chunksize,
                  "processes: predict Dask's batching, a free worker taking up to this many "
                  "ready tasks at once (default 1)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, 1024u));
  sub->add_flag("--calibrate", args->calibrate,
                "also time ops that are not schedlab's own (registered through the C++ API) by "
                "running the graph in a child process; schedlab's ops are always timed that way");
  return [args] {
    LoadedGraph loaded = args->source.load();
    const SchedulerInfo& info = SchedulerRegistry::global().info(
        args->scheduler.empty() ? default_scheduler() : args->scheduler);
    const std::string& name = info.name;
    const unsigned workers = info.workers_for(args->workers);
    const bool threaded = info.traits.processes == ProcessModel::processes_of_threads;
    const bool fresh = args->pool == "fresh";
    info.check({workers, args->threads_per_worker, 0, fresh, args->chunksize});
    const unsigned threads = threaded ? args->threads_per_worker : 1;
    suite::CellPrediction p = suite::predict_graph(loaded.graph, loaded.targets, name,
                                                   {.workers = workers,
                                                    .gil = args->gil,
                                                    .threads_per_worker = threads,
                                                    .fresh_pool = fresh,
                                                    .chunksize = args->chunksize},
                                                   args->calibrate);
    std::cout << fmt::format("{} on {} with {} worker{}{}{}:\n", args->source.what, name, workers,
                             workers == 1 ? "" : "s",
                             threads > 1 ? fmt::format(" of {} threads", threads) : "",
                             args->gil ? " and the GIL" : "");
    for (const std::string& line : p.reasoning) std::cout << "  " << line << "\n";
    std::cout << fmt::format("predicted: {:.1f} ms\n", p.predicted_ms);
    return 0;
  };
}

}  // namespace schedlab::cli
