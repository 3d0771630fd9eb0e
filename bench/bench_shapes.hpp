// The four shapes every scheduler is measured on, built once per process and shared by all
// benchmark files, so that `<system>/<shape>` rows compare the very same graphs.
//
//   fanin  N independent tasks and one join        chain  N tasks in a line
//   tree   binary-tree reduction, about N tasks    dag    100 layers of 1000, 2-4 deps each
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "schedlab/core/graph.hpp"
#include "schedlab/core/plan.hpp"

namespace schedlab::bench {

inline constexpr size_t kTasks = 100'000;
inline const char* const kShapes[] = {"fanin", "chain", "tree", "dag"};
inline constexpr unsigned kWorkers = 2;

struct BuiltShape {
  Graph graph;
  std::vector<NodeId> targets;
  std::shared_ptr<const Plan> plan;
};

// Built on first use and kept for the life of the process.
const BuiltShape& shape(const std::string& name);

// Sets the per-task counter ("per_task", seconds per task) for a benchmark over `s`.
// Sets the per-task counters and, when given, the label "baseline=<system>" that
// `schedlab report gbench` pairs this benchmark with (on the same shape).
void count_tasks(benchmark::State& state, const BuiltShape& s, const std::string& baseline = "");

// The plain C++ body every "plain" system runs per task: a trivial write to the task's own
// slot, so that what is measured is scheduling, not work.
struct PlainBody {
  std::vector<uint64_t>* out;
  void operator()(NodeId n, unsigned) const { (*out)[n] = n * 2 + 1; }
};

}  // namespace schedlab::bench
