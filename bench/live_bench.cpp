// What the live view costs a run: threads_live/<shape> is threads_full/<shape> (compute on the
// threads scheduler, bench/scheduler_benchmarks.cpp) with the live view's observer gathering every
// task, as `--live` does (the server is not needed to measure the task path). Paired with
// threads_full, the difference over the shape's tasks is the cost per task.
#include "schedlab/bench/shapes.hpp"
#include "schedlab/live/live_state.hpp"
#include "schedlab/schedulers/compute.hpp"

namespace schedlab::bench {
namespace {

void live(benchmark::State& state, std::string shape_name) {
  const BuiltShape& s = shape(shape_name);
  live::LiveState watcher;
  ComputeOptions options{
      .scheduler = "threads", .workers = settings().workers, .observers = {&watcher}};
  for (auto _ : state) {
    auto result = compute(s.graph, s.targets, options);
    benchmark::DoNotOptimize(result.values.data());
  }
  count_tasks(state, s, "threads_full");
}

[[maybe_unused]] const bool registered = [] {
  for (const char* shape_name : kShapes) {
    benchmark::RegisterBenchmark((std::string("threads_live/") + shape_name).c_str(), live,
                                 shape_name)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MeasureProcessCPUTime();
  }
  return true;
}();

}  // namespace
}  // namespace schedlab::bench
