// schedlab's own in-process schedulers on the four shapes, two paths each:
//   <scheduler>/<shape>       the scheduling core with a plain C++ body per task (PlainJob)
//   <scheduler>_full/<shape>  the full path: values, ops, release of intermediates (compute)
#include "bench/bench_shapes.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/plain_job.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::bench {
namespace {

// What each system is measured against: OpenMP against raw OpenMP tasks, the rest against
// oneTBB's flow graph.
std::string baseline_for(const std::string& scheduler) {
  return scheduler == "openmp" ? "omp_raw" : "tbb";
}

void plain(benchmark::State& state, std::string scheduler, std::string shape_name) {
  const BuiltShape& s = shape(shape_name);
  auto sched = SchedulerRegistry::global().acquire(scheduler, kWorkers);
  auto* in_process = dynamic_cast<InProcessScheduler*>(sched.get());
  std::vector<uint64_t> out(s.graph.size());
  for (auto _ : state) {
    PlainJob job(*s.plan, PlainBody{&out});
    in_process->run_job(job);
    job.finish();
  }
  benchmark::DoNotOptimize(out.data());
  count_tasks(state, s, baseline_for(scheduler));
}

void full(benchmark::State& state, std::string scheduler, std::string shape_name) {
  const BuiltShape& s = shape(shape_name);
  ComputeOptions options{.scheduler = scheduler, .workers = kWorkers};
  for (auto _ : state) {
    auto result = compute(s.graph, s.targets, options);
    benchmark::DoNotOptimize(result.values.data());
  }
  count_tasks(state, s, baseline_for(scheduler));
}

[[maybe_unused]] const bool registered = [] {
  for (const char* scheduler : {"sync", "threads", "openmp"}) {
    if (!SchedulerRegistry::global().has(scheduler)) continue;
    for (const char* shape_name : kShapes) {
      benchmark::RegisterBenchmark((std::string(scheduler) + "/" + shape_name).c_str(), plain,
                                   scheduler, shape_name)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark((std::string(scheduler) + "_full/" + shape_name).c_str(), full,
                                   scheduler, shape_name)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
}  // namespace schedlab::bench
