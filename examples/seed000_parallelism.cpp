// Lesson "2.3 Dask Parallelism": apply two independent slow functions to a list, then sum.
// Python's sum over Delayed values builds a chain of adds; delayed(sum) builds one task.
#include <numeric>

#include "examples/lesson.hpp"

using namespace schedlab;

int main(int argc, char** argv) {
  const double unit = lesson::unit_ms(argc, argv);
  const auto slow = TaskOptions::sleeping(unit);
  Graph g;
  // @dask.delayed def inc(x): sleep(1); return x + 1   (and dbl likewise)
  auto inc = [&](auto x) { return call(g, Call{{}, slow}, "inc", x); };
  auto dbl = [&](auto x) { return call(g, Call{{}, slow}, "dbl", x); };

  std::vector<int> data{2, 5, 7, 3};
  std::vector<Delayed> odd_data;  // [inc(dbl(x)) for x in data]
  for (int x : data) odd_data.push_back(inc(dbl(x)));

  // sum_odds = sum(odd_data): Python's sum adds the Delayed values one by one (a chain).
  Delayed sum_odds = std::accumulate(odd_data.begin() + 1, odd_data.end(), odd_data[0]);
  fmt::print("The chain of adds: how long with 2 workers?\n");
  lesson::time_compute("sum_odds threads, 2 workers", sum_odds, "threads", 2, unit);
  lesson::time_compute("sum_odds processes, 2 workers", sum_odds, "processes", 2, unit);

  // delayed_sum = dask.delayed(sum); delayed_sum_odds = delayed_sum(odd_data)
  Delayed delayed_sum_odds = call("sum", odd_data);
  fmt::print("\nOne fan-in sum task:\n");
  for (unsigned workers : {2u, 4u}) {
    for (const char* scheduler : {"threads", "processes"}) {
      lesson::time_compute(fmt::format("delayed_sum_odds {}, {} workers", scheduler, workers),
                           delayed_sum_odds, scheduler, workers, unit);
    }
  }
  fmt::print("\nThe 4 dbl/inc pairs run in parallel: 2 units with 4 workers, 4 with 2.\n");
}
