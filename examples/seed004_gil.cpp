// "Threads, Processes, and the Global Interpreter Lock": fib(n) four times, serially, on a
// thread pool and on a process pool. C++ has no GIL, so threads scale here; then the same runs
// under schedlab's emulated GIL (`--gil` on the command line) show what Python does.
#include <charconv>

#include "examples/lesson.hpp"

using namespace schedlab;

int main(int argc, char** argv) {
  const int n = lesson::argument(
      argc, argv, "usage: [N]  fib(N) per task, 20 to 40 (default 32)", 32, [](std::string_view s) {
        int v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || end != s.data() + s.size() || v < 20 || v > 40) {
          throw UsageError(fmt::format("N {}: write 20 to 40", s));
        }
        return v;
      });
  Graph g;
  std::vector<Delayed> fibs;
  for (int i = 0; i < 4; ++i) fibs.push_back(call(g, "fib", n));
  auto all = call("count", fibs);  // one task that waits for the four
  auto one = call(g, "fib", n);
  const double unit = compute(one, {.scheduler = "sync"}).stats.wall_ms;
  fmt::print("One fib({}) takes {:.1f} ms here; this is the unit.\n", n, unit);
  lesson::time_compute("map(fib, [n]*4), serial", all, "sync", 1, unit);
  fmt::print("\nC++ has no GIL: threads compute side by side, as many as there are cores.\n");
  lesson::time_compute("ThreadPoolExecutor(max_workers=4)", all, "threads", 4, unit);
  lesson::time_compute("ProcessPoolExecutor(max_workers=4)", all, "processes", 4, unit);
  fmt::print(
      "\nWith the emulated GIL (as in Python): threads of one process compute one at a\n"
      "time, so the thread pool is no faster than serial; each process has its own.\n");
  lesson::time_compute("ThreadPoolExecutor(max_workers=4), GIL", all, "threads", 4, unit,
                       /*gil=*/true);
  lesson::time_compute("ProcessPoolExecutor(max_workers=4), GIL", all, "processes", 4, unit,
                       /*gil=*/true);
  fmt::print("\nThe data-frame part of this lesson (NYC flights) is the `flights` scenario.\n");
}
