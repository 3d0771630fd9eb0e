// The benchmark binary: schedlab's own in-process schedulers on the four shapes against the
// baselines, plus the benchmarks that register themselves (construction, loading, ops, the
// processes scheduler, reports, the live view). Flags are Google Benchmark's.
#include "schedlab/bench/benchmarks.hpp"
#include "schedlab/bench/shapes.hpp"
#include "schedlab/schedulers/scheduler.hpp"

int main(int argc, char** argv) {
  using namespace schedlab::bench;
  const std::vector<std::string> shapes(std::begin(kShapes), std::end(kShapes));
  for (const char* scheduler : {"sync", "threads", "openmp"}) {
    if (schedlab::SchedulerRegistry::global().has(scheduler)) {
      register_scheduler(scheduler, shapes, baseline_for(scheduler));
    }
  }
  register_baselines(shapes);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
