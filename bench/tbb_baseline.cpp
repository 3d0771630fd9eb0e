// The oneTBB flow-graph baseline: the same shapes as continue_nodes with the same plain body,
// run in a task_arena of the same number of threads. The graph is built once, outside the
// timed loop, as TBB users do; each iteration triggers the roots and waits.
#include <tbb/flow_graph.h>
#include <tbb/task_arena.h>

#include "schedlab/bench/baselines.hpp"
#include "schedlab/bench/shapes.hpp"

namespace schedlab::bench {
namespace {

using Node = tbb::flow::continue_node<tbb::flow::continue_msg>;

void tbb_flow(benchmark::State& state, const std::string& shape_name) {
  const BuiltShape& s = shape(shape_name);
  const Plan& plan = *s.plan;
  std::vector<uint64_t> out(s.graph.size());
  tbb::task_arena arena(static_cast<int>(settings().workers));
  arena.execute([&] {
    tbb::flow::graph g;
    std::vector<std::unique_ptr<Node>> nodes(s.graph.size());
    PlainBody body{&out};
    for (NodeId n : plan.order) {
      nodes[n] =
          std::make_unique<Node>(g, [body, n](const tbb::flow::continue_msg&) { body(n, 0); });
    }
    for (NodeId n : plan.order) {
      for (NodeId succ : plan.succs_of(n)) tbb::flow::make_edge(*nodes[n], *nodes[succ]);
    }
    for (auto _ : state) {
      for (NodeId r : plan.roots) nodes[r]->try_put(tbb::flow::continue_msg());
      g.wait_for_all();
    }
  });
  benchmark::DoNotOptimize(out.data());
  count_tasks(state, s);
}

}  // namespace

void register_tbb(const std::vector<std::string>& shapes) {
  for (const std::string& shape_name : shapes) {
    benchmark::RegisterBenchmark(("tbb_flow/" + shape_name).c_str(), tbb_flow, shape_name)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MeasureProcessCPUTime();
  }
}

}  // namespace schedlab::bench
