// The four shapes every scheduler is measured on, built once per process and shared by all
// benchmarks, so that `<system>/<shape>` rows compare the very same graphs (a graph file's path
// works as a shape too, for `schedlab bench --shape FILE`).
//
//   fanin  N independent tasks and one join        chain  N tasks in a line
//   tree   binary-tree reduction, about N tasks    dag    layers of 1000 (100 for N = 100,000),
//                                                         2-4 deps each
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

// The size of the shapes and the workers of every system: set before the first shape() and the
// registrations (`schedlab bench --tasks --workers`); kTasks and kWorkers otherwise.
struct Settings {
  size_t tasks = kTasks;
  unsigned workers = kWorkers;
};
Settings& settings();

struct BuiltShape {
  Graph graph;
  std::vector<NodeId> targets;
  std::shared_ptr<const Plan> plan;
};

// Built on first use and kept for the life of the process: one of kShapes, or a graph file.
const BuiltShape& shape(const std::string& name);
bool is_builtin_shape(const std::string& name);

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
