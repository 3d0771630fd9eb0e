// The raw OpenMP baseline: the same shapes and plain body, written directly against OpenMP
// with atomic dependency counters and no schedlab code in the loop: what the `openmp`
// scheduler costs on top of OpenMP itself.
#include <omp.h>

#include <atomic>

#include "schedlab/bench/baselines.hpp"
#include "schedlab/bench/shapes.hpp"

namespace schedlab::bench {
namespace {

struct RawRun {
  const Plan& plan;
  PlainBody body;
  std::atomic<uint32_t>* pending;

  void from(NodeId n) {
    for (;;) {
      body(n, 0);
      NodeId next = UINT32_MAX;
      for (NodeId s : plan.succs_of(n)) {
        if (pending[s].fetch_sub(1, std::memory_order_acq_rel) != 1) continue;
        if (next == UINT32_MAX) {
          next = s;
        } else {
#pragma omp task firstprivate(s)
          from(s);
        }
      }
      if (next == UINT32_MAX) return;
      n = next;
    }
  }
};

void omp_raw(benchmark::State& state, const std::string& shape_name) {
  const BuiltShape& s = shape(shape_name);
  const Plan& plan = *s.plan;
  std::vector<uint64_t> out(s.graph.size());
  std::unique_ptr<std::atomic<uint32_t>[]> pending(new std::atomic<uint32_t>[plan.pending.size()]);
  omp_set_dynamic(0);
  for (auto _ : state) {
    for (size_t n = 0; n < plan.pending.size(); ++n) {
      pending[n].store(plan.pending[n], std::memory_order_relaxed);
    }
    RawRun run{plan, PlainBody{&out}, pending.get()};
#pragma omp parallel num_threads(settings().workers)
#pragma omp single
    for (NodeId r : plan.roots) {
#pragma omp task firstprivate(r) shared(run)
      run.from(r);
    }
  }
  benchmark::DoNotOptimize(out.data());
  count_tasks(state, s);
}

}  // namespace

void register_omp_raw(const std::vector<std::string>& shapes) {
  for (const std::string& shape_name : shapes) {
    benchmark::RegisterBenchmark(("omp_raw/" + shape_name).c_str(), omp_raw, shape_name)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MeasureProcessCPUTime();
  }
}

}  // namespace schedlab::bench
