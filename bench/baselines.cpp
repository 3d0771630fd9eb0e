#include "schedlab/bench/baselines.hpp"

#include <algorithm>

#include "schedlab/bench/benchmarks.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::bench {

std::vector<std::string> register_baselines(const std::vector<std::string>& shapes) {
  std::vector<std::string> out;
#ifdef SCHEDLAB_BENCH_TBB
  register_tbb(shapes);
  out.push_back("tbb_flow");
#endif
#ifdef SCHEDLAB_BENCH_OMP
  register_omp_raw(shapes);
  out.push_back("omp_raw");
#endif
  (void)shapes;
  return out;
}

std::string baseline_for(const std::string& scheduler) {
  const std::string& wanted = SchedulerRegistry::global().info(scheduler).traits.bench_baseline;
  const std::vector<std::string> built = {
#ifdef SCHEDLAB_BENCH_TBB
      "tbb_flow",
#endif
#ifdef SCHEDLAB_BENCH_OMP
      "omp_raw",
#endif
  };
  return std::find(built.begin(), built.end(), wanted) != built.end() ? wanted : "";
}

}  // namespace schedlab::bench
