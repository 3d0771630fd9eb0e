#include "schedlab/bench/benchmarks.hpp"
#include "schedlab/bench/shapes.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/plain_job.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::bench {
namespace {

void plain(benchmark::State& state, const std::string& scheduler, const std::string& shape_name,
           const std::string& baseline) {
  const BuiltShape& s = shape(shape_name);
  auto sched = SchedulerRegistry::global().acquire(scheduler, settings().workers);
  auto* in_process = dynamic_cast<InProcessScheduler*>(sched.get());
  std::vector<uint64_t> out(s.graph.size());
  for (auto _ : state) {
    PlainJob job(*s.plan, PlainBody{&out});
    in_process->run_job(job);
    job.finish();
  }
  benchmark::DoNotOptimize(out.data());
  count_tasks(state, s, baseline);
}

void full(benchmark::State& state, const std::string& scheduler, const std::string& shape_name,
          const std::string& baseline) {
  const BuiltShape& s = shape(shape_name);
  ComputeOptions options{.scheduler = scheduler, .workers = settings().workers};
  for (auto _ : state) {
    auto result = compute(s.graph, s.targets, options);
    benchmark::DoNotOptimize(result.values.data());
  }
  count_tasks(state, s, baseline);
}

}  // namespace

void register_scheduler(const std::string& scheduler, const std::vector<std::string>& shapes,
                        const std::string& baseline) {
  // Only an in-process scheduler runs a bare Job; asked once, on a pool kept for the benchmarks.
  const bool in_process =
      dynamic_cast<InProcessScheduler*>(
          SchedulerRegistry::global().acquire(scheduler, settings().workers).get()) != nullptr;
  for (const std::string& shape_name : shapes) {
    if (in_process) {
      benchmark::RegisterBenchmark((scheduler + "/" + shape_name).c_str(), plain, scheduler,
                                   shape_name, baseline)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->MeasureProcessCPUTime();
    }
    benchmark::RegisterBenchmark((scheduler + "_full/" + shape_name).c_str(), full, scheduler,
                                 shape_name, baseline)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MeasureProcessCPUTime();
  }
}

}  // namespace schedlab::bench
