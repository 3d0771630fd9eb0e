// Lesson "Dask Delayed - Parallelism": inc, dec and add, serially, then as a task graph, then
// in a for loop summed by one task, on every scheduler, and at the end on a local cluster as
// the notebook's Client(n_workers=2, threads_per_worker=2), then 8 workers.
#include "examples/lesson.hpp"
#include "schedlab/schedulers/distributed_worker.hpp"

using namespace schedlab;

int main(int argc, char** argv) {
  // The cluster's worker ranks run this program too: they serve tasks here and never return.
  serve_if_distributed_worker(argc, argv);
  const double unit = lesson::unit_ms(argc, argv);
  const auto slow = TaskOptions::sleeping(unit);
  Graph g;
  auto inc = [&](auto x) { return call(g, Call{{}, slow}, "inc", x); };
  auto dec = [&](auto x) { return call(g, Call{{}, slow}, "dec", x); };
  auto add = [&](auto x, auto y) { return call(g, Call{{}, slow}, "add", x, y); };

  // x = delayed_inc(1); y = delayed_dec(2); z = delayed_add(x, y)
  auto z = add(inc(1), dec(2));
  fmt::print("Three tasks, two independent: 2 units on the parallel schedulers.\n");
  lesson::time_compute("z sync", z, "sync", 1, unit);
  lesson::time_compute("z threads", z, "threads", 2, unit);

  // for i in data: results.append(add(inc(i), dec(i))); total = delayed(sum)(results)
  std::vector<Delayed> results;
  for (int i = 0; i < 10; ++i) results.push_back(add(inc(i), dec(i)));
  auto total = call("sum", results);
  fmt::print("\nThe for loop: 30 slow tasks, 20 of them independent.\n");
  lesson::time_compute("total threads", total, "threads", 2, unit);
  lesson::time_compute("total processes", total, "processes", 2, unit);
  lesson::time_compute("total single-threaded", total, "single-threaded", 1, unit);

  // client = Client(n_workers=2, threads_per_worker=2, memory_limit='4GB'), then 8 workers.
  // The clusters are started first, as Client() does before any compute (about 0.3 s each).
  fmt::print("\nThe same loop on a local cluster: 4 threads, then 16, share the 20 tasks.\n");
  if (SchedulerRegistry::global().has("distributed")) {
    for (unsigned w : {2u, 8u}) SchedulerRegistry::global().acquire("distributed", {w, 2});
  }
  lesson::time_compute("total distributed 2 workers x 2 threads", total, "distributed", 2, unit,
                       false, 2);
  lesson::time_compute("total distributed 8 workers x 2 threads", total, "distributed", 8, unit,
                       false, 2);
}
