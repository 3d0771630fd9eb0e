// "Threads, Processes, and the Global Interpreter Lock": fib(n) four times, serially, on a
// thread pool and on a process pool. In C++ there is no GIL, so threads scale here; schedlab
// can emulate one (`schedlab run --gil`) to show the Python behaviour.
#include "examples/lesson.hpp"

using namespace schedlab;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 32;
  Graph g;
  std::vector<Delayed> fibs;
  for (int i = 0; i < 4; ++i) fibs.push_back(call(g, "fib", n));
  auto all = call("count", fibs);  // one task that waits for the four
  auto one = call(g, "fib", n);
  const double unit = compute(one, {.scheduler = "sync"}).stats.wall_ms;
  fmt::print("One fib({}) takes {:.1f} ms here; this is the unit.\n", n, unit);
  lesson::time_compute("map(fib, [n]*4), serial", all, "sync", 1, unit);
  lesson::time_compute("ThreadPoolExecutor(max_workers=4)", all, "threads", 4, unit);
  lesson::time_compute("ProcessPoolExecutor(max_workers=4)", all, "processes", 4, unit);
  fmt::print("\nThe data-frame part of this lesson (NYC flights) is the `flights` scenario.\n");
}
