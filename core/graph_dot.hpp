// Drawing a graph as Graphviz DOT, as Dask's visualize() does: tasks are boxes labelled with
// their key and op, literal nodes are ellipses labelled with their key and value, and edges
// run from a node to the tasks that use it.
#pragma once

#include <span>
#include <string>

#include "schedlab/core/graph.hpp"

namespace schedlab {

std::string graph_to_dot(const Graph& graph, std::span<const NodeId> targets,
                         std::string_view rankdir = "TB");

// Task n as the lesson's code would call it: "add(x, 3)", "sum([inc-0, inc-1, 10])";
// references by key, literals by value (long ones cut to `max_literal` characters).
std::string describe_call(const Graph& graph, NodeId n, size_t max_literal = 30);

}  // namespace schedlab
