#include "schedlab/kernels/shapes.hpp"

#include <algorithm>
#include <random>

#include "schedlab/core/delayed.hpp"

namespace schedlab::kernels {

Shape fanin(Graph& g, size_t n, TaskOptions options) {
  const Op& inc = OpRegistry::global().get("inc");
  std::vector<Delayed> parts;
  parts.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    parts.push_back(detail::emit(g, Call{{}, options}, inc, static_cast<int64_t>(i)));
  }
  return {{call(g, Call{{}, options}, "sum", parts).id()}};
}

Shape chain(Graph& g, size_t n, TaskOptions options) {
  const Op& inc = OpRegistry::global().get("inc");
  Delayed last = detail::emit(g, Call{{}, options}, inc, int64_t{0});
  for (size_t i = 1; i < n; ++i) last = detail::emit(g, Call{{}, options}, inc, last);
  return {{last.id()}};
}

Shape tree(Graph& g, size_t n, TaskOptions options) {
  const Op& inc = OpRegistry::global().get("inc");
  const Op& add = OpRegistry::global().get("add");
  std::vector<Delayed> level;
  level.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    level.push_back(detail::emit(g, Call{{}, options}, inc, static_cast<int64_t>(i)));
  }
  while (level.size() > 1) {
    std::vector<Delayed> next;
    next.reserve(level.size() / 2 + 1);
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(detail::emit(g, Call{{}, options}, add, level[i], level[i + 1]));
    }
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  return {{level.front().id()}};
}

Shape random_dag(Graph& g, const RandomDagParams& p) {
  std::mt19937_64 rng(p.seed);
  const OpRegistry& ops = OpRegistry::global();
  const Op* many[] = {&ops.get("max"), &ops.get("min"), &ops.get("mean")};
  const Op* one[] = {&ops.get("inc"), &ops.get("dec"), &ops.get("neg"), &ops.get("identity")};
  std::vector<NodeId> previous, current;
  std::vector<uint8_t> used;  // per task of the DAG (ids from `first`): referenced by another
  const NodeId first = static_cast<NodeId>(g.size());
  for (size_t i = 0; i < p.width; ++i) {
    g.begin_task(*one[rng() % 4], p.options);
    g.push_literal(Value(static_cast<int64_t>(rng() % 100)));
    previous.push_back(g.end_task());
  }
  std::vector<NodeId> picks(p.width);
  for (size_t layer = 1; layer < p.layers; ++layer) {
    current.clear();
    for (size_t i = 0; i < p.width; ++i) {
      size_t k = std::min(previous.size(), p.min_deps + rng() % (p.max_deps - p.min_deps + 1));
      // k distinct picks: a partial Fisher-Yates shuffle of the previous layer.
      picks.assign(previous.begin(), previous.end());
      for (size_t j = 0; j < k; ++j) std::swap(picks[j], picks[j + rng() % (picks.size() - j)]);
      g.begin_task(k == 1 ? *one[rng() % 4] : *many[rng() % 3], p.options);
      for (size_t j = 0; j < k; ++j) {
        g.push_ref(picks[j]);
        used.resize(g.size() - first + 1, 0);
        used[picks[j] - first] = 1;
      }
      current.push_back(g.end_task());
    }
    previous.swap(current);
  }
  // Every task nobody uses is a target, so that every task is needed.
  used.resize(g.size() - first, 0);
  Shape out;
  for (NodeId n = first; n < g.size(); ++n) {
    if (!used[n - first]) out.targets.push_back(n);
  }
  return out;
}

}  // namespace schedlab::kernels
