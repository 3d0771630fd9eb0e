// The time a graph must take at best: its critical path, on which the prediction of wall time
// per scheduler (predict.hpp) builds.
#pragma once

#include <span>
#include <vector>

#include "schedlab/core/graph.hpp"
#include "schedlab/core/plan.hpp"

namespace schedlab {

// The heaviest chain of the plan's tasks when task n weighs cost_ms[n]: the time no number of
// workers can beat. Ties go to the chain found first in the plan's order.
struct CriticalPath {
  double ms = 0;
  std::vector<NodeId> tasks;  // first task first; empty for a plan without tasks
};
CriticalPath critical_path(const Plan& plan, std::span<const double> cost_ms);

}  // namespace schedlab
