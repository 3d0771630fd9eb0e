// Building graphs through the C++ API: time and bytes per task, at three sizes so that a
// quadratic step would show as a growing per-task time.
#include <numeric>

#include "schedlab/bench/shapes.hpp"
#include "schedlab/core/delayed.hpp"

namespace schedlab::bench {
namespace {

// A chain of adds built with operator+, as std::accumulate over handles builds it.
void construct_chain(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    Graph g;
    Delayed last = call(g, "inc", 0);
    for (size_t i = 1; i < n; ++i) last = last + 1;
    bytes = g.memory_bytes();
    benchmark::DoNotOptimize(last);
  }
  state.counters["per_task"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
  state.counters["bytes_per_task"] = static_cast<double>(bytes) / static_cast<double>(n);
}

// n independent call("inc", i) tasks and one call("sum", handles): op lookup by name each time.
void construct_fanin(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    Graph g;
    std::vector<Delayed> parts;
    parts.reserve(n);
    for (size_t i = 0; i < n; ++i) parts.push_back(call(g, "inc", static_cast<int64_t>(i)));
    call("sum", parts);
    bytes = g.memory_bytes();
  }
  state.counters["per_task"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
  state.counters["bytes_per_task"] = static_cast<double>(bytes) / static_cast<double>(n);
}

BENCHMARK(construct_chain)
    ->Name("construct/chain")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(construct_fanin)
    ->Name("construct/fanin")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace schedlab::bench
