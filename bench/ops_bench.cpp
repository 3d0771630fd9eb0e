// The built-in ops alone, called as a task calls them (Op::call on arguments side by side):
// ops/<op>/<args>, three arguments, all ints or an int, a double and an int (the random DAG's
// mix once a mean has made a double).
#include "schedlab/bench/shapes.hpp"
#include "schedlab/core/ops.hpp"

namespace schedlab::bench {
namespace {

void op_call(benchmark::State& state, const char* name, bool mixed) {
  const Op& op = OpRegistry::global().get(name);
  const Value args[3] = {Value(int64_t{5}), mixed ? Value(2.5) : Value(int64_t{2}),
                         Value(int64_t{7})};
  for (auto _ : state) {
    Value result = op.call(ArgSpan(args, 3));
    benchmark::DoNotOptimize(result);
  }
}

[[maybe_unused]] const bool registered = [] {
  for (const char* name : {"max", "mean", "sum"}) {
    for (bool mixed : {false, true}) {
      benchmark::RegisterBenchmark(
          (std::string("ops/") + name + (mixed ? "/mixed3" : "/ints3")).c_str(), op_call, name,
          mixed);
    }
  }
  return true;
}();

}  // namespace
}  // namespace schedlab::bench
