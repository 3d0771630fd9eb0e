#include "schedlab/bench/shapes.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "schedlab/core/graph_file.hpp"
#include "schedlab/kernels/shapes.hpp"

namespace schedlab::bench {

Settings& settings() {
  static Settings s;
  return s;
}

bool is_builtin_shape(const std::string& name) {
  return std::find(std::begin(kShapes), std::end(kShapes), name) != std::end(kShapes);
}

const BuiltShape& shape(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<BuiltShape>> built;
  std::lock_guard lock(mutex);
  auto& slot = built[name];
  if (!slot) {
    slot = std::make_unique<BuiltShape>();
    Graph& g = slot->graph;
    const size_t tasks = std::max<size_t>(settings().tasks, 2);
    kernels::Shape s;
    if (name == "fanin") {
      s = kernels::fanin(g, tasks);
    } else if (name == "chain") {
      s = kernels::chain(g, tasks);
    } else if (name == "tree") {
      s = kernels::tree(g, tasks / 2);
    } else if (name == "dag") {
      const size_t width = std::min<size_t>(1000, tasks);
      s = kernels::random_dag(g, {.layers = std::max<size_t>(1, tasks / width),
                                  .width = width,
                                  .min_deps = 2,
                                  .max_deps = 4,
                                  .seed = 2026});
    } else {
      LoadedGraph loaded = load_graph_file(name);
      g = std::move(loaded.graph);
      s.targets = std::move(loaded.targets);
    }
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
