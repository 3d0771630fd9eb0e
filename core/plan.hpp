// Plan: what running a graph for some targets involves, derived once and shared by every
// scheduler. Only the ancestors of the targets are "needed" (Dask calls this culling); literal
// nodes are never run, their values are read straight from the graph.
//
// Dependencies are unique and count only needed task nodes: add(x, x) waits for x once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "schedlab/core/graph.hpp"

namespace schedlab {

struct Plan {
  std::vector<NodeId> targets;
  // Per node, what the scheduling core asks of every task it runs or finishes, in one byte so
  // that finishing a task reads one array instead of four (targets, and the two index arrays
  // for the sizes of deps_of and succs_of). kPlain: a task with no lock or sleep and at most
  // kPlainArgs arguments, none a list, which the scheduling core runs without its general task
  // body when nobody watches. kLink: a plain task that is a link of a chain, as in Dask's
  // linear fusion: its one argument is the result of its one dependency, which nobody else
  // reads and is no target; the scheduling core runs it straight after that dependency, with
  // the result in hand. kDepArgs: a plain task whose arguments are its deps, in order (each a
  // distinct task; no arguments at all counts too), so that running it needs only the plan,
  // not the graph's argument arrays.
  enum NodeFlag : uint8_t {
    kTarget = 1,
    kOneSucc = 2,
    kOneDep = 4,
    kPlain = 8,
    kLink = 16,
    kDepArgs = 32
  };
  static constexpr size_t kPlainArgs = 4;
  std::vector<uint8_t> flags;
  size_t tasks = 0;                 // needed task nodes: what a run executes
  size_t edges = 0;                 // task-to-task dependencies among them
  std::vector<uint32_t> pending;    // per node: how many needed task deps it waits for
  std::vector<uint32_t> dep_begin;  // deps of n: deps[dep_begin[n], dep_begin[n+1])
  std::vector<NodeId> deps;
  std::vector<uint32_t> succ_begin;  // needed task successors of n, likewise
  std::vector<NodeId> succs;
  std::vector<NodeId> roots;  // needed tasks with nothing to wait for, in insertion order
  std::vector<NodeId> order;  // every needed task, in a topological order

  bool is_target(NodeId n) const { return flags[n] & kTarget; }
  std::span<const NodeId> deps_of(NodeId n) const {
    return {deps.data() + dep_begin[n], dep_begin[n + 1] - dep_begin[n]};
  }
  std::span<const NodeId> succs_of(NodeId n) const {
    return {succs.data() + succ_begin[n], succ_begin[n + 1] - succ_begin[n]};
  }
};

// Validates the graph, checks the targets (UsageError naming a bad one) and returns the plan.
// Cached: computing the same targets of an unchanged graph again costs nothing.
std::shared_ptr<const Plan> plan_for(const Graph& graph, std::span<const NodeId> targets);

// Resolves target keys to ids, with a clear error for a key that is not in the graph.
std::vector<NodeId> resolve_targets(const Graph& graph, std::span<const std::string> keys);

namespace detail {
// Builds a plan without caching; with all_nodes, every node is needed (used by validation so
// that a cycle nobody asked for is still found). Throws UsageError naming one cycle's keys.
Plan build_plan(const Graph& graph, std::span<const NodeId> targets, bool all_nodes);
}  // namespace detail

}  // namespace schedlab
