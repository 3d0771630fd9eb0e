// Reporting over a run: a suite keeps its reports up to date as cells end (so that a crash loses
// little), and the cost of doing so over a whole run should grow with the number of cells, not
// with its square. `reports/run/N` gives a ReportWriter the result after each of N cells, as a
// run of N cells does, each cell taking 10 ms; `reports/each_cell/N` writes every report after
// every cell (what runs did before the writer). Compare N = 50 against N = 100 (linear: twice).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/timeline.hpp"

namespace {

using namespace schedlab::reports;

// A cell as a small lesson makes it: 30 traced tasks on 2 workers, 3 measured runs.
Cell synthetic_cell(int i) {
  Cell c;
  c.scenario = "lesson" + std::to_string(i % 7);
  c.scheduler = i % 2 ? "threads" : "sync";
  c.workers = 1 + static_cast<unsigned>(i / 14);
  c.baseline = i % 2 == 0;
  for (int r = 0; r < 3; ++r) c.reps.push_back({.wall_ms = 100.0 + r, .cpu_ms = 90});
  c.wall = {3, 101, 101, 100, 102, 1, 0.01, 1, 0};
  for (int t = 0; t < 30; ++t) {
    TaskRecord task;
    task.key = "task-" + std::to_string(t);
    task.op = t % 3 ? "inc" : "add";
    task.worker = static_cast<unsigned>(t % 2);
    task.start_ms = 3.0 * t;
    task.end_ms = 3.0 * t + 2.5;
    c.profile.trace.push_back(task);
    c.predicted_schedule.push_back(task);
  }
  c.profile.wall_ms = 95;
  for (int s = 0; s < 40; ++s) c.profile.resources.push_back({2.5 * s, 150, uint64_t{50} << 20});
  c.predicted_ms = 100;
  c.reasoning = {"30 tasks, 29 dependencies", "critical path 60 ms", "schedule on 2 workers"};
  return c;
}

template <bool kEachCell>
void reports_over_a_run(benchmark::State& state) {
  const int cells = static_cast<int>(state.range(0));
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("schedlab_reports_bench_" + std::to_string(getpid()));
  double reporting_s = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    SuiteResult result;
    result.context.cores = 2;
    ReportWriter writer(dir.string());
    for (int i = 0; i < cells; ++i) {
      result.cells.push_back(synthetic_cell(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the cell's run
      const auto start = std::chrono::steady_clock::now();
      if (kEachCell) {
        write_reports(result, dir.string());
      } else {
        writer.update(result);
      }
      reporting_s +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    const auto start = std::chrono::steady_clock::now();
    writer.finish(result);
    reporting_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::filesystem::remove_all(dir);
  // The time spent reporting, apart from the cells' own 10 ms.
  state.counters["reporting_ms"] = benchmark::Counter(reporting_s * 1e3 / state.iterations());
}
// One iteration each: a run of 100 cells takes seconds, and its cost is the figure.
void run_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(25)->Arg(50)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
}
BENCHMARK(reports_over_a_run<false>)->Name("reports/run")->Apply(run_sizes);
BENCHMARK(reports_over_a_run<true>)->Name("reports/each_cell")->Apply(run_sizes);

// A cell's timeline at the most tasks one is drawn with (kMaxTaskRecords): drawn (the cell
// changed since it was last drawn) and asked for again (the timeline file and report.html of
// each later write of a run).
template <bool kChanged>
void timeline_of_a_big_cell(benchmark::State& state) {
  Cell c = synthetic_cell(0);
  c.profile.trace.clear();
  for (size_t t = 0; t < kMaxTaskRecords; ++t) {
    TaskRecord task;
    task.key = "task-" + std::to_string(t);
    task.op = t % 3 ? "inc" : "add";
    task.worker = static_cast<unsigned>(t % 2);
    task.start_ms = 0.005 * static_cast<double>(t);
    task.end_ms = task.start_ms + 0.004;
    c.profile.trace.push_back(task);
  }
  c.profile.wall_ms = 0.005 * kMaxTaskRecords;
  c.predicted_schedule = c.profile.trace;
  for (auto _ : state) {
    if (kChanged) c.predicted_ms += 1;
    benchmark::DoNotOptimize(timeline_svg(c, 2));
  }
  state.counters["svg_bytes"] = static_cast<double>(timeline_svg(c, 2).size());
}
BENCHMARK(timeline_of_a_big_cell<true>)
    ->Name("reports/timeline_20k/drawn")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(timeline_of_a_big_cell<false>)
    ->Name("reports/timeline_20k/again")
    ->Unit(benchmark::kMillisecond);

}  // namespace
