// Registering the benchmarks of systems on shapes with Google Benchmark, for the benchmark binary
// and for `schedlab bench` (which may name any registered scheduler, one of your own included).
// Each row is named <system>/<shape> and labelled with the baseline `schedlab report gbench`
// pairs it with on the same shape. CPU time is the whole process's (every worker thread), not
// the calling thread's alone, which for systems whose work runs on other threads (OpenMP's
// team, a pool) would be next to nothing.
#pragma once

#include <string>
#include <vector>

namespace schedlab::bench {

// <scheduler>/<shape>: the scheduling core with a plain C++ body per task (in-process
// schedulers only, which can run a bare Job); <scheduler>_full/<shape>: compute() with values,
// ops and the release of intermediates. Against `baseline` (empty: none).
void register_scheduler(const std::string& scheduler, const std::vector<std::string>& shapes,
                        const std::string& baseline);

// The baselines built here: "tbb_flow" (oneTBB's flow graph, when found) and "omp_raw" (raw OpenMP
// tasks, when found), each registered on `shapes`. Returns the names registered.
std::vector<std::string> register_baselines(const std::vector<std::string>& shapes);

// What a registered scheduler is measured against (its traits' bench_baseline), where built;
// "" where not.
std::string baseline_for(const std::string& scheduler);

}  // namespace schedlab::bench
