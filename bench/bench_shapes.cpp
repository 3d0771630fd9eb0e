#include "bench/bench_shapes.hpp"

#include <map>
#include <mutex>

#include "schedlab/kernels/shapes.hpp"

namespace schedlab::bench {

const BuiltShape& shape(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<BuiltShape>> built;
  std::lock_guard lock(mutex);
  auto& slot = built[name];
  if (!slot) {
    slot = std::make_unique<BuiltShape>();
    Graph& g = slot->graph;
    kernels::Shape s;
    if (name == "fanin")
      s = kernels::fanin(g, kTasks);
    else if (name == "chain")
      s = kernels::chain(g, kTasks);
    else if (name == "tree")
      s = kernels::tree(g, kTasks / 2);
    else
      s = kernels::random_dag(
          g, {.layers = 100, .width = 1000, .min_deps = 2, .max_deps = 4, .seed = 2026});
    slot->targets = s.targets;
    slot->plan = plan_for(g, slot->targets);
  }
  return *slot;
}

void count_tasks(benchmark::State& state, const BuiltShape& s, const std::string& baseline) {
  if (!baseline.empty()) state.SetLabel("baseline=" + baseline);
  state.counters["tasks"] = static_cast<double>(s.plan->tasks);
  state.counters["per_task"] = benchmark::Counter(
      static_cast<double>(s.plan->tasks),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace schedlab::bench
