// "Parallelism in Python": a graph as a dict, delayed(sum), map and reduce.
#include <numeric>

#include "examples/lesson.hpp"

using namespace schedlab;

int main() {
  Graph g;
  // d = {"a": a, "b": (sum, "a")}; dask.get(d, "b")
  auto a = literal(g, Value(List{Value(0), Value(1), Value(2), Value(3)}), "a");
  auto b = call(g, Call{"b"}, "sum", a);
  fmt::print("dask.get(d, \"a\") = {}\n", to_display(compute(a, {.scheduler = "sync"}).values[0]));
  fmt::print("dask.get(d, \"b\") = {}\n", to_display(compute(b, {.scheduler = "sync"}).values[0]));

  // r = dask.delayed(sum)(a)
  auto r = call(g, "sum", Value(List{Value(0), Value(1), Value(2), Value(3)}));
  fmt::print("r.compute() = {}\n", to_display(compute(r).values[0]));

  // @dask.delayed def addTwo(x): return x + 2;  b = list(map(addTwo, a)); dask.compute(*b)
  register_op("addTwo", "x + 2", [](int64_t x) { return x + 2; });
  std::vector<Delayed> mapped;
  for (int x : {0, 1, 2, 3}) mapped.push_back(call(g, "addTwo", x));
  ComputeResult all = compute(std::span<const Delayed>(mapped));
  fmt::print("dask.compute(*b) = ({}, {}, {}, {})\n", to_display(all.values[0]),
             to_display(all.values[1]), to_display(all.values[2]), to_display(all.values[3]));

  // b = reduce(add, a) over delayed add: ((0 + 1) + 2) + 3
  std::vector<Delayed> items;
  for (int x : {0, 1, 2, 3}) items.push_back(literal(g, Value(x)));
  Delayed reduced = std::accumulate(items.begin() + 1, items.end(), items[0],
                                    [](Delayed acc, Delayed x) { return acc + x; });
  fmt::print("reduce(add, a).compute() = {}\n", to_display(compute(reduced).values[0]));
}
