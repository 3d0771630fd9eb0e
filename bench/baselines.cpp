#include "schedlab/bench/baselines.hpp"

#include "schedlab/bench/benchmarks.hpp"

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
#ifdef SCHEDLAB_BENCH_OMP
  if (scheduler == "openmp") return "omp_raw";
#endif
#ifdef SCHEDLAB_BENCH_TBB
  return scheduler == "openmp" ? "" : "tbb_flow";
#else
  (void)scheduler;
  return "";
#endif
}

}  // namespace schedlab::bench
