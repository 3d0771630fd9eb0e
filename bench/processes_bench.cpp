// The schedulers that run tasks in other processes, processes and distributed (worker ranks of
// MPI, spawned as a local cluster): per-task cost on the four shapes (always the full path:
// values have to be encoded and moved), side by side in one binary; for processes also pool
// start-up and moving a 100 MB array to a worker and back. distributed's local cluster talks
// over TCP loopback (Open MPI 4.1 connects separately started jobs that way); the shared-memory
// figures come from `mpirun -n 3 schedlab compute FILE` (docs/PERFORMANCE.md).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "schedlab/bench/shapes.hpp"
#include "schedlab/core/delayed.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::bench {
namespace {

void other_process_shape(benchmark::State& state, std::string scheduler, std::string shape_name) {
  const BuiltShape& s = shape(shape_name);
  ComputeOptions options{.scheduler = scheduler, .workers = kWorkers};
  compute(s.graph, s.targets, options);  // the pool is started once, outside the loop
  for (auto _ : state) {
    auto result = compute(s.graph, s.targets, options);
    benchmark::DoNotOptimize(result.values.data());
  }
  count_tasks(state, s, "tbb_flow");
}

// The chain while two busy loops compete for the cores (as when a build or another benchmark
// runs beside it): what a hand-off that spins costs when the peer it waits for is not running.
void processes_chain_busy(benchmark::State& state) {
  const BuiltShape& s = shape("chain");
  ComputeOptions options{.scheduler = "processes", .workers = kWorkers};
  compute(s.graph, s.targets, options);
  // Processes, not threads of this one: the scheduler shares the machine with other programs.
  std::vector<pid_t> loops;
  for (int i = 0; i < state.range(0); ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the benchmark, however it ends
      setsid();  // a session of its own, as another program's: autogroup schedules by session
      for (uint64_t x = 0;;) benchmark::DoNotOptimize(++x);
    }
    if (pid > 0) loops.push_back(pid);
  }
  for (auto _ : state) {
    auto result = compute(s.graph, s.targets, options);
    benchmark::DoNotOptimize(result.values.data());
  }
  for (pid_t pid : loops) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  count_tasks(state, s);
}

// Start a pool of kWorkers processes and stop it again.
void processes_startup(benchmark::State& state) {
  for (auto _ : state) {
    auto scheduler = make_processes_scheduler(kWorkers);
    state.PauseTiming();
    scheduler.reset();  // stopping is not start-up
    state.ResumeTiming();
  }
}

// identity(100 MB array): the array goes to a worker and comes back.
void processes_transfer(benchmark::State& state) {
  const auto bytes = static_cast<size_t>(state.range(0));
  Graph g;
  auto data = literal(g, Value(Array(bytes / sizeof(double), 1.5)));
  auto back = call(g, "identity", data);
  ComputeOptions options{.scheduler = "processes", .workers = 1};
  compute(back, options);
  for (auto _ : state) {
    auto result = compute(back, options);
    benchmark::DoNotOptimize(result.values.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 2 * bytes));  // there and back
}

[[maybe_unused]] const bool registered = [] {
  for (const char* scheduler : {"processes", "distributed"}) {
    if (!SchedulerRegistry::global().has(scheduler)) continue;
    for (const char* shape_name : kShapes) {
      benchmark::RegisterBenchmark((std::string(scheduler) + "/" + shape_name).c_str(),
                                   other_process_shape, scheduler, shape_name)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  benchmark::RegisterBenchmark("processes/chain_busy", processes_chain_busy)
      ->ArgName("busy_loops")
      ->Arg(0)
      ->Arg(2)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("processes/startup", processes_startup)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("processes/transfer", processes_transfer)
      ->Arg(100'000'000)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  return true;
}();

}  // namespace
}  // namespace schedlab::bench
