// Graph shapes for scheduler studies, tests and benchmarks. Each builds into a Graph and
// returns its targets; values are small ints or doubles that never overflow, so every shape
// can run on every scheduler and be checked against `sync`.
#pragma once

#include <cstdint>
#include <vector>

#include "schedlab/core/graph.hpp"

namespace schedlab::kernels {

struct Shape {
  std::vector<NodeId> targets;
};

// n independent inc tasks and one fan-in `sum` over all of them.
Shape fanin(Graph& g, size_t n, TaskOptions options = {});
// inc(inc(...inc(0))): n tasks, each waiting for the one before.
Shape chain(Graph& g, size_t n, TaskOptions options = {});
// n leaves reduced pairwise by add: a binary tree of n - 1 adds (2n - 1 tasks in all).
Shape tree(Graph& g, size_t n, TaskOptions options = {});

// `layers` layers of `width` tasks; each task past the first layer depends on min_deps to
// max_deps distinct tasks of the layer before. Ops are chosen at random from bounded ones
// (max, min, mean for several inputs; inc, dec, neg, identity for one), so values stay small.
// Deterministic for a seed. The targets are every task no other task uses, so all run.
struct RandomDagParams {
  size_t layers = 10;
  size_t width = 10;
  size_t min_deps = 1;
  size_t max_deps = 3;
  uint64_t seed = 42;
  TaskOptions options = {};
};
Shape random_dag(Graph& g, const RandomDagParams& p);

}  // namespace schedlab::kernels
