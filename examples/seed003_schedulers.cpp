// Lesson "2.2 Dask Schedulers": slow arithmetic (1 + 3) * (2 - 4) / 5 on every scheduler, by
// every name, and the sleeplock: a lock held while sleeping serialises threads, not processes.
#include "examples/lesson.hpp"

using namespace schedlab;

Delayed slow_arithmetic(Graph& g, TaskOptions slow) {
  auto x = call(g, Call{"x", slow}, "add", 1, 3);
  auto y = call(g, Call{"y", slow}, "sub", 2, 4);
  auto z = call(g, Call{"z", slow}, "mul", x, y);
  return call(g, Call{"RESULT", slow}, "div", z, 5.0);
}

int main(int argc, char** argv) {
  const double unit = lesson::unit_ms(argc, argv);
  Graph plain;
  Delayed result = slow_arithmetic(plain, TaskOptions::sleeping(unit));
  fmt::print("Slow arithmetic, every op one unit: serial 4 units, parallel 3.\n");
  for (const char* name : {"single-threaded", "sync", "synchronous", "threads", "threading",
                           "processes", "multiprocessing"}) {
    lesson::time_compute(fmt::format("RESULT.compute(scheduler='{}')", name), result, name, 2,
                         unit);
  }

  // Three ways to choose, as the lesson shows them: per call (above), globally, for a scope.
  fmt::print("\nChoosing the scheduler globally, then for a scope:\n");
  set_default_scheduler("processes");  // dask.config.set(scheduler='processes')
  auto timed = [&](const char* label) {
    auto r = compute(result, {.workers = 2});
    fmt::print("{:<44} = {:<8} on {}, {:.2f} units\n", label, to_display(r.values[0]), r.scheduler,
               r.stats.wall_ms / unit);
  };
  timed("RESULT.compute()  # after config.set");
  {
    SchedulerScope scope("sync");  // with dask.config.set(scheduler='sync'):
    timed("RESULT.compute()  # inside the with block");
  }
  timed("RESULT.compute()  # after the with block");
  set_default_scheduler("threads");

  // from sleeplock import sleep: the sleep holds one lock per process.
  Graph locked;
  Delayed sleeplock = slow_arithmetic(locked, TaskOptions::sleeping(unit, LockKind::process));
  fmt::print("\nWith the sleeplock: threads share the lock (4 units), processes do not (3).\n");
  lesson::time_compute("sleeplock threads", sleeplock, "threads", 2, unit);
  lesson::time_compute("sleeplock processes", sleeplock, "processes", 2, unit);
}
