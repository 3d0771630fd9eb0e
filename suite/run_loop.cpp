#include "schedlab/suite/run_loop.hpp"

#include <malloc.h>

#include <algorithm>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/graph_dot.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/reports/occupancy.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/resource_usage.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/suite/aggregate.hpp"
#include "schedlab/suite/resource_sampler.hpp"

namespace schedlab::suite {
namespace {

// A graph with more nodes than this is not drawn in the reports: no one reads such a picture,
// and Graphviz would take long to lay it out.
constexpr size_t kMaxDrawnNodes = 300;

reports::Repetition repetition_of(const Graph& g, const ComputeResult& r) {
  reports::Repetition rep;
  rep.wall_ms = r.stats.wall_ms;
  rep.cpu_ms = r.stats.cpu_ms;
  rep.serialise_ms = r.stats.serialise_ms;
  rep.peak_rss_bytes = r.stats.peak_rss_bytes;
  rep.bytes_to_workers = r.stats.bytes_to_workers;
  rep.bytes_from_workers = r.stats.bytes_from_workers;
  rep.peak_live_intermediates = r.stats.peak_live_intermediates;
  auto ms = [&](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(t - r.start).count();
  };
  for (const TaskEvent& e : r.trace) {
    rep.lock_wait_ms += e.lock_wait_ms;
    rep.gil_wait_ms += e.gil_wait_ms;
  }
  if (r.trace.size() <= reports::kMaxTaskRecords) {
    rep.trace.reserve(r.trace.size());
    for (const TaskEvent& e : r.trace) {
      rep.trace.push_back({std::string(g.key(e.node)), g.op(e.node)->name, e.worker, e.pid,
                           ms(e.start), ms(e.end), e.lock_wait_ms, e.gil_wait_ms});
    }
    if (r.spans.size() <= reports::kMaxSpanRecords) {
      rep.spans.reserve(r.spans.size());
      for (const SpanEvent& s : r.spans) {
        rep.spans.push_back(
            {kind_name(s.kind), std::string(g.key(s.node)),
             s.worker == kSchedulerLane ? reports::kSchedulerWorker : static_cast<int>(s.worker),
             ms(s.start), ms(s.end)});
      }
    }
    return rep;
  }
  rep.occupancy = reports::occupancy_of(r.trace, [&](const TaskEvent& e) {
    return reports::TaskSpan{e.worker, g.op(e.node)->name, ms(e.start), ms(e.end)};
  });
  return rep;
}

// Runs cell i of the suite into `cell`; returns on its first failure or an interrupt.
//
// The first run is the profile: traced and sampled for the pictures, and not measured, since a
// trace costs per task (about 80 ns with the sampler's thread beside it: a 100,000-task chain
// takes 8.8 ms traced against 0.8 ms untraced, docs/PERFORMANCE.md). Being first, it is also the
// cell's warm-up (pool and caches warm, pages touched); `--warmup N` adds N more untraced runs.
// Then the measured runs, which carry nothing per task and record what the machine gave them
// (docs/REPORTS.md).
//
// Peak RSS is counted from where the cell began: what earlier cells' pool threads freed stays
// resident in their allocator arenas (glibc trims only the main one), and would otherwise count
// in every later cell (slow-arithmetic on threads: 7.7 MB alone, 21 MB after flights). A run's
// peak is `base_rss` (the process before the suite's first cell) plus how far it rose above
// the cell's start. A cell that reuses memory an earlier cell freed reads a little low.
void run_cell(const PreparedSuite& suite, size_t i, reports::Cell& cell, const Progress& progress,
              uint64_t base_rss) {
  const SuiteSpec& spec = suite.spec();
  const uint64_t cell_rss = own_rss_bytes();
  const kernels::BuiltScenario& built = suite.scenario(i);
  const int runs = 1 + spec.warmup + spec.repeat;
  // A suite's --memory-limit holds the schedulers that can limit their workers' memory.
  const uint64_t memory_limit =
      SchedulerRegistry::global().info(cell.scheduler).traits.limits_worker_memory
          ? spec.memory_limit
          : 0;
  if (interrupt_requested()) {  // a stop while the last cell's reports were written
    cell.interrupted = true;
    return;
  }
  // Start the scheduler's pool (threads, processes, a cluster of ranks) before the first
  // run: start-up is part of no lesson, and a local cluster takes 0.3 s or more.
  const bool pools = SchedulerRegistry::global().info(cell.scheduler).traits.pools_workers;
  const bool fresh_pool = pools && spec.fresh_pool;
  const unsigned chunksize = pools ? spec.chunksize : 1;
  try {
    SchedulerRegistry::global().acquire(
        cell.scheduler, {cell.workers, cell.threads, memory_limit, fresh_pool, chunksize});
  } catch (const std::exception&) {
    // The run meets the same failure and records it with the cell.
  }
  for (int run = 0; run < runs; ++run) {
    if (interrupt_requested()) {
      cell.interrupted = true;
      return;
    }
    if (progress.run_started) progress.run_started(i, suite.size(), cell, run, runs);
    const bool profile = run == 0, measured = run >= 1 + spec.warmup;
    // About 50 samples per run, at least 1 ms apart: a 100 ms lesson gets a curve, not 2 points.
    ResourceSampler sampler(std::chrono::milliseconds(
        std::clamp(static_cast<int64_t>(cell.predicted_ms / 50), int64_t{1}, int64_t{250})));
    ComputeOptions options{.scheduler = cell.scheduler,
                           .workers = cell.workers,
                           .threads_per_worker = cell.threads,
                           .memory_limit = memory_limit,
                           .fresh_pool = fresh_pool,
                           .chunksize = chunksize,
                           .trace = profile,
                           .gil = cell.gil,
                           .observers = {profile ? &sampler : nullptr, progress.watcher},
                           .limits = spec.limits};
    try {
      const MachineCpu before = machine_cpu();
      ComputeResult r = compute(built.graph, built.targets, options);
      const MachineCpu after = machine_cpu();
      reports::Repetition rep = repetition_of(built.graph, r);
      rep.other_cpu_ms = after.others_ms(before, rep.cpu_ms);
      rep.cpu_pressure_ms = std::max(0.0, after.pressure_ms - before.pressure_ms);
      if (rep.peak_rss_bytes > 0) {
        rep.peak_rss_bytes =
            base_rss + (rep.peak_rss_bytes > cell_rss ? rep.peak_rss_bytes - cell_rss : 0);
      }
      if (profile) {
        rep.resources = sampler.samples();
        cell.profile = std::move(rep);
      } else if (measured) {
        cell.reps.push_back(std::move(rep));
      }
    } catch (const Interrupted&) {
      mark_stopped(cell, "");
      return;
    } catch (const TimedOut& e) {
      mark_stopped(cell, e.what());
      return;
    } catch (const std::runtime_error& e) {  // TaskError, InfrastructureError
      cell.error = e.what();
      return;
    }
  }
}

}  // namespace

reports::SuiteResult run_suite(const PreparedSuite& suite, const Progress& progress,
                               const std::function<void(const reports::SuiteResult&)>& after_cell,
                               SuiteSession* session) {
  const SuiteSpec& spec = suite.spec();
  reports::SuiteResult result;
  result.context = reports::current_context();
  result.context.unit_ms = spec.unit_ms;
  result.context.repeat = spec.repeat;
  result.context.warmup = 1 + spec.warmup;  // the profile run warms up too
  result.context.user = spec.context;
  result.context.speedup_baseline = spec.baseline;
  malloc_trim(0);
  const uint64_t base_rss = own_rss_bytes();
  auto change = [&](auto&& f) {
    if (session) {
      session->changing(f);
    } else {
      f();
    }
  };
  // A timeout ends the suite as Ctrl-C does: the command exits 124 after the reports.
  for (size_t i = 0; i < suite.size() && !result.interrupted && !result.timed_out; ++i) {
    // Give back what earlier cells freed, so this cell's peak RSS is about this cell.
    malloc_trim(0);
    reports::Cell cell = suite.cell(i);
    change([&] {
      result.lessons[cell.scenario] = suite.lesson(i);
      if (!result.graphs.contains(cell.instance())) {
        const kernels::BuiltScenario& built = suite.scenario(i);
        if (built.graph.size() <= kMaxDrawnNodes) {
          result.graphs[cell.instance()] = graph_to_dot(built.graph, built.targets, "LR");
        }
      }
    });
    if (session) session->running(result, cell, i);
    run_cell(suite, i, cell, progress, base_rss);
    change([&] {
      result.interrupted = cell.interrupted;
      result.timed_out = cell.timed_out;
      result.cells.push_back(std::move(cell));
      aggregate(result, spec.warmup);
    });
    if (progress.cell_finished) progress.cell_finished(i, suite.size(), result.cells.back());
    if (after_cell) after_cell(result);
  }
  return result;
}

}  // namespace schedlab::suite
