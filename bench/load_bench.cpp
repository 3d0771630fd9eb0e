// Loading graph files: text in memory to a validated graph with its plan, what `schedlab
// compute FILE` does before the first task runs. Per task and bytes per second of file.
#include <benchmark/benchmark.h>

#include "bench/graph_file_gen.hpp"
#include "schedlab/core/graph_file.hpp"
#include "schedlab/core/plan.hpp"

namespace schedlab::bench {
namespace {

void load(benchmark::State& state, std::string (*make)(size_t)) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::string text = make(n);
  for (auto _ : state) {
    LoadedGraph loaded = parse_graph(text, "bench.json");
    benchmark::DoNotOptimize(plan_for(loaded.graph, loaded.targets));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["per_task"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
}

BENCHMARK_CAPTURE(load, chain, [](size_t n) { return chain_graph_file(n); })
    ->Name("load/chain")
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(load, dag, [](size_t n) { return layered_graph_file(n); })
    ->Name("load/dag")
    ->Arg(300'000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace schedlab::bench
