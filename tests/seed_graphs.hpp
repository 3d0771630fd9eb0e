// Graphs of the lessons built through the C++ API, for tests that link the core alone (the
// scenarios in kernels/ build the same ones for the tool).
#pragma once

#include <string>
#include <vector>

#include "schedlab/core/delayed.hpp"

namespace schedlab::testing {

// Seed 000: inc(dbl(x)) for four x, each op sleeping `unit_ms`, summed by one task that does
// not sleep (Python's delayed(sum)). The sum of 2x + 1 for x < 4: 16.
inline Delayed inc_dbl(Graph& g, double unit_ms) {
  std::vector<Delayed> incs;
  for (int i = 0; i < 4; ++i) {
    const std::string n = std::to_string(i);
    auto dbl = call(g, Call{"dbl-" + n, TaskOptions::sleeping(unit_ms)}, "mul", i, 2);
    incs.push_back(call(g, Call{"inc-" + n, TaskOptions::sleeping(unit_ms)}, "inc", dbl));
  }
  return call(g, "sum", incs);
}

}  // namespace schedlab::testing
