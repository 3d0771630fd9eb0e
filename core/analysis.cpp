#include "schedlab/core/analysis.hpp"

#include <algorithm>

namespace schedlab {

CriticalPath critical_path(const Plan& plan, std::span<const double> cost_ms) {
  // One pass in topological order: the heaviest chain ending at each task, and where it came from.
  std::vector<double> finish(plan.pending.size(), 0);
  std::vector<NodeId> via(plan.pending.size(), 0);
  CriticalPath out;
  NodeId last = 0;
  bool any = false;
  for (NodeId n : plan.order) {
    double start = 0;
    via[n] = n;
    for (NodeId d : plan.deps_of(n)) {
      if (via[n] == n || finish[d] > start) start = finish[d], via[n] = d;
    }
    finish[n] = start + cost_ms[n];
    if (!any || finish[n] > out.ms) out.ms = finish[n], last = n, any = true;
  }
  for (NodeId n = last; any; n = via[n]) {
    out.tasks.push_back(n);
    if (via[n] == n) break;
  }
  std::reverse(out.tasks.begin(), out.tasks.end());
  return out;
}

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

  std::vector<uint32_t> level(graph.size(), 0);
  std::vector<double> cost(graph.size(), 0);
  for (NodeId n : plan->order) {
    uint32_t lv = 0;
    for (NodeId d : plan->deps_of(n)) lv = std::max(lv, level[d]);
    level[n] = lv + 1;
    if (level[n] > a.level_widths.size()) a.level_widths.resize(level[n], 0);
    ++a.level_widths[level[n] - 1];
    cost[n] = graph.options(n).sleep_ms();
    a.total_work_ms += cost[n];
  }
  a.depth = a.level_widths.size();
  if (!a.level_widths.empty()) {
    a.widest_level = *std::max_element(a.level_widths.begin(), a.level_widths.end());
  }
  CriticalPath path = critical_path(*plan, cost);
  a.critical_path_ms = path.ms;
  a.critical_path = std::move(path.tasks);
  return a;
}

}  // namespace schedlab
