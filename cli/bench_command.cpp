#include <fmt/format.h>

#include <filesystem>

#include "schedlab/cli/commands.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#ifdef SCHEDLAB_HAVE_BENCH
#include "schedlab/bench/benchmarks.hpp"
#include "schedlab/bench/shapes.hpp"
#endif

namespace schedlab::cli {

Command add_bench(CLI::App& app) {
  struct Args {
    std::vector<std::string> schedulers, shapes;
    size_t tasks = 100'000;
    unsigned workers = 2;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "bench",
      "Benchmark schedulers (yours too) on the standard shapes or a graph file, beside oneTBB "
      "and raw OpenMP; Google Benchmark's --benchmark_* flags pass through");
  sub->add_option("-s,--scheduler", args->schedulers, "a registered scheduler (repeatable)")
      ->required();
  sub->add_option("--shape", args->shapes,
                  "fanin, chain, tree, dag or a graph file (repeatable; default: the four)");
  sub->add_option("--tasks", args->tasks, "tasks of each standard shape (default 100000)")
      ->check(decimal_count())
      ->check(CLI::Range(size_t{2}, size_t{100'000'000}));
  sub->add_option("-w,--workers", args->workers, "workers of every system (default 2)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, kMaxWorkers));
  sub->allow_extras();  // Google Benchmark's own flags
  return [args, sub] {
    std::vector<std::string> extras = sub->remaining();
    for (const std::string& e : extras) {
      if (!e.starts_with("--benchmark_") && !e.starts_with("--v=")) {
        throw UsageError(fmt::format(
            "bench: '{}' is neither an option of schedlab bench nor one of Google Benchmark's "
            "(--benchmark_filter=..., --benchmark_out=FILE, --benchmark_repetitions=N, ...)",
            e));
      }
    }
#ifdef SCHEDLAB_HAVE_BENCH
    bench::settings() = {args->tasks, args->workers};
    std::vector<std::string> shapes = args->shapes;
    if (shapes.empty()) shapes.assign(std::begin(bench::kShapes), std::end(bench::kShapes));
    for (const std::string& s : shapes) {
      if (!bench::is_builtin_shape(s) && !std::filesystem::exists(s)) {
        throw UsageError(
            fmt::format("--shape {}: give fanin, chain, tree, dag or the path of a graph file", s));
      }
      bench::shape(s);  // built (or read) now: a bad file is an error before any benchmark
    }
    std::vector<std::string> names;
    for (const std::string& s : args->schedulers) {
      const SchedulerInfo& info = SchedulerRegistry::global().info(s);  // UsageError if unknown
      info.check({args->workers, 1, 0});
      if (std::find(names.begin(), names.end(), info.name) == names.end()) {
        names.push_back(info.name);
      }
    }
    for (const std::string& name : names) {
      bench::register_scheduler(name, shapes, bench::baseline_for(name));
    }
    bench::register_baselines(shapes);
    std::vector<std::string> words{"schedlab bench"};
    words.insert(words.end(), extras.begin(), extras.end());
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    int argc = static_cast<int>(argv.size());
    benchmark::Initialize(&argc, argv.data());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
#else
    throw UsageError(
        "bench: this schedlab was built without Google Benchmark (Debian: apt-get install "
        "libbenchmark-dev, then build again)");
#endif
  };
}

}  // namespace schedlab::cli
