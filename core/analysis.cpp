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

}  // namespace schedlab
