// Analysis of a graph before running it: its shape and the time it must take at best.
// The prediction of wall time per scheduler (predict.hpp) builds on the same critical path.
#pragma once

#include <span>
#include <vector>

#include "schedlab/core/graph.hpp"
#include "schedlab/core/plan.hpp"

namespace schedlab {

struct GraphAnalysis {
  size_t nodes = 0;                   // literal and task nodes needed for the targets
  size_t tasks = 0;                   // task nodes that a run executes
  size_t edges = 0;                   // task-to-task dependencies
  size_t depth = 0;                   // tasks on the longest chain (levels)
  size_t widest_level = 0;            // most tasks sharing one level
  std::vector<size_t> level_widths;   // tasks per level, level 1 first
  double total_work_ms = 0;           // sum of sleep_ms: the time one worker needs
  double critical_path_ms = 0;        // longest chain of sleep_ms: the time any number needs
  std::vector<NodeId> critical_path;  // that chain, first task first
  std::vector<NodeId> order;          // a topological order of the tasks
};

// The heaviest chain of the plan's tasks when task n weighs cost_ms[n]: the time no number of
// workers can beat. Ties go to the chain found first in the plan's order.
struct CriticalPath {
  double ms = 0;
  std::vector<NodeId> tasks;  // first task first; empty for a plan without tasks
};
CriticalPath critical_path(const Plan& plan, std::span<const double> cost_ms);

// Throws UsageError for an invalid graph or target (see plan_for).
GraphAnalysis analyse(const Graph& graph, std::span<const NodeId> targets);

}  // namespace schedlab
