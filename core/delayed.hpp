// The delayed-style C++ API: build a task graph in a few lines, as the Dask lessons do with
// `delayed`.
//
//   schedlab::Graph g;
//   auto x = call(g, "inc", 1);           // a task: inc(1)
//   auto y = call(g, "dec", 2);
//   auto z = x + y;                        // an add task, as in Python
//   auto total = call("sum", std::vector{x, y, z});   // one fan-in task over three results
//   schedlab::compute(total);              // schedulers/compute.hpp
//
// A Delayed is a handle (graph pointer + node id): cheap to copy, valid while its graph lives
// at the same address (do not move a Graph while you hold handles to it).
// `std::accumulate` over handles builds a chain of adds, exactly what Python's `sum` does over
// Delayed objects; `call("sum", handles)` builds one task instead: compare both in the lessons.
#pragma once

#include <string_view>
#include <type_traits>
#include <vector>

#include "schedlab/core/graph.hpp"

namespace schedlab {

class Delayed {
 public:
  Delayed(Graph& graph, NodeId id) : graph_(&graph), id_(id) {}
  Graph& graph() const { return *graph_; }
  NodeId id() const { return id_; }
  std::string_view key() const { return graph_->key(id_); }

 private:
  Graph* graph_;
  NodeId id_;
};

// Naming a task and setting its options: call(g, Call{"x", TaskOptions::sleeping(100)}, ...).
struct Call {
  std::string_view key = {};
  TaskOptions options = {};
};

Delayed literal(Graph& g, Value v, std::string_view key = {});

namespace detail {

inline void push_arg(Graph& g, const Delayed& d) {
  g.push_ref(d.id());
}
inline void push_arg(Graph& g, const std::vector<Delayed>& ds) {
  std::vector<NodeId> ids;
  ids.reserve(ds.size());
  for (const Delayed& d : ds) ids.push_back(d.id());
  g.push_ref_list(ids);
}
template <class T>
requires std::is_constructible_v<Value, T>
void push_arg(Graph& g, T&& v) {
  g.push_literal(Value(std::forward<T>(v)));
}

template <class T>
Graph* graph_of(const T& x) {
  if constexpr (std::is_same_v<std::remove_cvref_t<T>, Delayed>)
    return &x.graph();
  else if constexpr (std::is_same_v<std::remove_cvref_t<T>, std::vector<Delayed>>) {
    return x.empty() ? nullptr : &x.front().graph();
  } else
    return nullptr;
}

template <class... A>
Delayed emit(Graph& g, const Call& c, const Op& op, A&&... args) {
  g.begin_task(op, c.options);
  (push_arg(g, std::forward<A>(args)), ...);
  return Delayed(g, g.end_task(c.key));
}

}  // namespace detail

// A task op(args...) in g. Arguments: Delayed handles, vectors of them (a list argument), or
// anything a Value can be made from. Throws UsageError for an unknown op or a wrong arity.
template <class... A>
Delayed call(Graph& g, const Call& c, std::string_view op, A&&... args) {
  return detail::emit(g, c, OpRegistry::global().get(op), std::forward<A>(args)...);
}
template <class... A>
Delayed call(Graph& g, std::string_view op, A&&... args) {
  return call(g, Call{}, op, std::forward<A>(args)...);
}
// The graph is taken from the first handle among the arguments.
template <class... A>
requires(std::is_same_v<std::remove_cvref_t<A>, Delayed> || ...) ||
    (std::is_same_v<std::remove_cvref_t<A>, std::vector<Delayed>> || ...) Delayed
    call(std::string_view op, A&&... args) {
  Graph* g = nullptr;
  ((g = g ? g : detail::graph_of(args)), ...);
  if (!g)
    throw UsageError(
        fmt::format("call(\"{}\", ...) has no handle to take a graph from; "
                    "use call(graph, \"{}\", ...)",
                    op, op));
  return call(*g, Call{}, op, std::forward<A>(args)...);
}

// Arithmetic on handles creates add/sub/mul/div tasks, with a literal on either side.
Delayed operator+(const Delayed& a, const Delayed& b);
Delayed operator-(const Delayed& a, const Delayed& b);
Delayed operator*(const Delayed& a, const Delayed& b);
Delayed operator/(const Delayed& a, const Delayed& b);
Delayed binary(const char* op, const Delayed& a, Value b);
Delayed binary(const char* op, Value a, const Delayed& b);
inline Delayed operator+(const Delayed& a, Value b) {
  return binary("add", a, std::move(b));
}
inline Delayed operator-(const Delayed& a, Value b) {
  return binary("sub", a, std::move(b));
}
inline Delayed operator*(const Delayed& a, Value b) {
  return binary("mul", a, std::move(b));
}
inline Delayed operator/(const Delayed& a, Value b) {
  return binary("div", a, std::move(b));
}
inline Delayed operator+(Value a, const Delayed& b) {
  return binary("add", std::move(a), b);
}
inline Delayed operator-(Value a, const Delayed& b) {
  return binary("sub", std::move(a), b);
}
inline Delayed operator*(Value a, const Delayed& b) {
  return binary("mul", std::move(a), b);
}
inline Delayed operator/(Value a, const Delayed& b) {
  return binary("div", std::move(a), b);
}

}  // namespace schedlab
