#include "schedlab/core/plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "schedlab/core/graph_cache.hpp"

namespace schedlab {
namespace detail {
namespace {

std::vector<uint8_t> mark_needed(const Graph& g, std::span<const NodeId> targets, bool all) {
  std::vector<uint8_t> needed(g.size(), all ? 1 : 0);
  if (all) return needed;
  // Iterative, so that a chain of a million tasks cannot overflow the stack.
  std::vector<NodeId> stack(targets.begin(), targets.end());
  while (!stack.empty()) {
    NodeId n = stack.back();
    stack.pop_back();
    if (needed[n]) continue;
    needed[n] = 1;
    g.for_each_ref(n, [&](NodeId d) {
      if (!needed[d]) stack.push_back(d);
    });
  }
  return needed;
}

[[noreturn]] void report_cycle(const Graph& g, const Plan& p, const std::vector<uint32_t>& left) {
  // Every node still waiting has at least one dep still waiting, so walking from one such node
  // to one such dep must come back to a node already on the path: that loop is a cycle.
  NodeId start = 0;
  while (!(g.is_task(start) && left[start] > 0)) ++start;
  std::vector<int64_t> position(g.size(), -1);
  std::vector<NodeId> path;
  NodeId n = start;
  while (position[n] < 0) {
    position[n] = static_cast<int64_t>(path.size());
    path.push_back(n);
    for (NodeId d : p.deps_of(n)) {
      if (left[d] > 0) {
        n = d;
        break;
      }
    }
  }
  std::string keys;
  for (size_t i = static_cast<size_t>(position[n]); i < path.size(); ++i) {
    keys += fmt::format("'{}' -> ", g.key(path[i]));
  }
  keys += fmt::format("'{}'", g.key(n));
  throw UsageError(fmt::format(
      "the graph has a cycle: {} (each key depends on the next); a task graph must be acyclic",
      keys));
}

}  // namespace

Plan build_plan(const Graph& g, std::span<const NodeId> targets, bool all_nodes) {
  Plan p;
  const size_t size = g.size();
  p.targets.assign(targets.begin(), targets.end());
  std::vector<uint8_t> needed = mark_needed(g, targets, all_nodes);

  // Unique task dependencies, deduplicated with a per-node stamp instead of a set.
  p.dep_begin.assign(size + 1, 0);
  std::vector<uint32_t> stamp(size, 0);
  for (NodeId n = 0; n < size; ++n) {
    p.dep_begin[n] = static_cast<uint32_t>(p.deps.size());
    if (!needed[n] || !g.is_task(n)) continue;
    ++p.tasks;
    g.for_each_ref(n, [&](NodeId d) {
      if (g.is_task(d) && stamp[d] != n + 1) {
        stamp[d] = n + 1;
        p.deps.push_back(d);
      }
    });
  }
  p.dep_begin[size] = static_cast<uint32_t>(p.deps.size());
  p.edges = p.deps.size();

  // Successors: the same edges, reversed (counting sort by dependency).
  p.succ_begin.assign(size + 1, 0);
  for (NodeId d : p.deps) ++p.succ_begin[d + 1];
  for (size_t i = 0; i < size; ++i) p.succ_begin[i + 1] += p.succ_begin[i];
  p.succs.resize(p.deps.size());
  std::vector<uint32_t> fill(p.succ_begin.begin(), p.succ_begin.end() - 1);
  for (NodeId n = 0; n < size; ++n) {
    for (NodeId d : p.deps_of(n)) p.succs[fill[d]++] = n;
  }

  // Kahn's algorithm: gives the topological order and proves there is no cycle.
  p.pending.assign(size, 0);
  p.flags.assign(size, 0);
  for (NodeId t : targets) p.flags[t] = Plan::kTarget;
  for (NodeId n = 0; n < size; ++n) {
    p.pending[n] = static_cast<uint32_t>(p.deps_of(n).size());
    if (p.pending[n] == 1) p.flags[n] |= Plan::kOneDep;
    if (p.succs_of(n).size() == 1) p.flags[n] |= Plan::kOneSucc;
    if (needed[n] && g.is_task(n) && p.pending[n] == 0) p.roots.push_back(n);
  }
  for (NodeId n = 0; n < size; ++n) {
    if (!needed[n] || !g.is_task(n)) continue;
    const TaskOptions& o = g.options(n);
    const std::span<const PackedArg> args = g.args(n);
    if (o.lock != LockKind::none || o.sleep_us != 0 || args.size() > Plan::kPlainArgs ||
        std::any_of(args.begin(), args.end(),
                    [](PackedArg a) { return a.kind() == PackedArg::list; })) {
      continue;
    }
    p.flags[n] |= Plan::kPlain;
    const std::span<const NodeId> deps = p.deps_of(n);
    if (std::equal(args.begin(), args.end(), deps.begin(), deps.end(), [](PackedArg a, NodeId d) {
          return a.kind() == PackedArg::ref && a.index() == d;
        })) {
      p.flags[n] |= Plan::kDepArgs;
    }
    // A link's one argument is its one dep.
    if ((p.flags[n] & (Plan::kOneDep | Plan::kDepArgs)) != (Plan::kOneDep | Plan::kDepArgs)) {
      continue;
    }
    const NodeId d = p.deps[p.dep_begin[n]];
    if ((p.flags[d] & (Plan::kOneSucc | Plan::kTarget)) == Plan::kOneSucc) {
      p.flags[n] |= Plan::kLink;
    }
  }
  std::vector<uint32_t> left = p.pending;
  p.order = p.roots;
  p.order.reserve(p.tasks);
  for (size_t i = 0; i < p.order.size(); ++i) {
    for (NodeId s : p.succs_of(p.order[i])) {
      if (--left[s] == 0) p.order.push_back(s);
    }
  }
  if (p.order.size() != p.tasks) report_cycle(g, p, left);
  return p;
}

}  // namespace detail

std::shared_ptr<const Plan> plan_for(const Graph& graph, std::span<const NodeId> targets) {
  graph.validate();
  for (NodeId t : targets) {
    if (t >= graph.size()) {
      throw UsageError(
          fmt::format("target node {} is not in the graph ({} nodes)", t, graph.size()));
    }
  }
  Graph::Cache& cache = graph.cache();
  std::lock_guard lock(cache.plan_mutex);
  if (cache.plan && std::equal(targets.begin(), targets.end(), cache.plan->targets.begin(),
                               cache.plan->targets.end())) {
    return cache.plan;
  }
  auto plan = std::make_shared<const Plan>(detail::build_plan(graph, targets, false));
  cache.plan = plan;
  return plan;
}

std::vector<NodeId> resolve_targets(const Graph& graph, std::span<const std::string> keys) {
  std::vector<NodeId> out;
  out.reserve(keys.size());
  for (const std::string& k : keys) {
    auto n = graph.find(k);
    if (!n) {
      throw UsageError(
          fmt::format("target '{}' is not a key of the graph; check the spelling or "
                      "add a task with that key",
                      k));
    }
    out.push_back(*n);
  }
  return out;
}

}  // namespace schedlab
