#include "schedlab/core/analysis.hpp"

#include <algorithm>

#include "schedlab/core/plan.hpp"

namespace schedlab {

GraphAnalysis analyse(const Graph& graph, std::span<const NodeId> targets) {
  auto plan = plan_for(graph, targets);
  GraphAnalysis a;
  a.tasks = plan->tasks;
  a.edges = plan->edges;
  a.order = plan->order;

  // Literal nodes needed by the targets: referenced by a needed task, or targets themselves.
  std::vector<uint8_t> literal_needed(graph.size(), 0);
  for (NodeId t : targets) literal_needed[t] = !graph.is_task(t);
  for (NodeId n : plan->order) {
    graph.for_each_ref(n, [&](NodeId d) {
      if (!graph.is_task(d)) literal_needed[d] = 1;
    });
  }
  a.nodes =
      a.tasks + static_cast<size_t>(std::count(literal_needed.begin(), literal_needed.end(), 1));

  // One pass in topological order: level and heaviest path ending at each task.
  std::vector<uint32_t> level(graph.size(), 0);
  std::vector<double> finish(graph.size(), 0);
  std::vector<NodeId> via(graph.size(), 0);
  NodeId last = 0;
  for (NodeId n : plan->order) {
    uint32_t lv = 0;
    double start = 0;
    via[n] = n;
    for (NodeId d : plan->deps_of(n)) {
      lv = std::max(lv, level[d]);
      if (via[n] == n || finish[d] > start) {
        start = finish[d];
        via[n] = d;
      }
    }
    level[n] = lv + 1;
    double work = graph.options(n).sleep_ms();
    finish[n] = start + work;
    a.total_work_ms += work;
    if (level[n] > a.level_widths.size()) a.level_widths.resize(level[n], 0);
    ++a.level_widths[level[n] - 1];
    if (a.critical_path.empty() || finish[n] > a.critical_path_ms) {
      a.critical_path_ms = finish[n];
      last = n;
      a.critical_path.assign(1, n);  // rebuilt from `via` below
    }
  }
  a.depth = a.level_widths.size();
  if (!a.level_widths.empty()) {
    a.widest_level = *std::max_element(a.level_widths.begin(), a.level_widths.end());
  }
  if (!a.critical_path.empty()) {
    a.critical_path.clear();
    for (NodeId n = last;; n = via[n]) {
      a.critical_path.push_back(n);
      if (via[n] == n) break;
    }
    std::reverse(a.critical_path.begin(), a.critical_path.end());
  }
  return a;
}

}  // namespace schedlab
