// compute: run a graph's targets on a scheduler and get their values, with run statistics and,
// when asked for, a trace.
//
//   auto result = schedlab::compute(total, {.scheduler = "threads", .workers = 2});
//   result.values[0]  // the value of `total`
#pragma once

#include <string>
#include <vector>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/graph.hpp"
#include "schedlab/schedulers/deadlines.hpp"
#include "schedlab/schedulers/observer.hpp"

namespace schedlab {

// The scheduler a compute uses when its options name none, chosen as seed 003 teaches:
// per call (ComputeOptions::scheduler), globally (set_default_scheduler, like
// dask.config.set(scheduler=...); the CLI reads SCHEDLAB_SCHEDULER) or for a scope (a
// SchedulerScope, like `with dask.config.set(scheduler=...):`). "threads" until chosen, as in
// Dask for delayed. Process-wide; a name or alias, checked against the registry (UsageError).
std::string default_scheduler();
void set_default_scheduler(std::string_view name);

// Sets the default scheduler for its lifetime and restores the previous one after.
class SchedulerScope {
 public:
  explicit SchedulerScope(std::string_view name);
  ~SchedulerScope();
  SchedulerScope(const SchedulerScope&) = delete;
  SchedulerScope& operator=(const SchedulerScope&) = delete;

 private:
  std::string previous_;
};

struct ComputeOptions {
  std::string scheduler = {};       // a name or alias from the registry; empty: default_scheduler()
  unsigned workers = 0;             // 0: one per core
  unsigned threads_per_worker = 1;  // distributed: threads of each worker process
  uint64_t memory_limit = 0;        // distributed: bytes per worker process, 0: no limit
  bool fresh_pool = false;          // processes: a new pool of workers for every run
  unsigned chunksize = 1;           // processes: tasks a free worker takes at once (Dask's)
  bool trace = false;               // record a TaskEvent per task into ComputeResult::trace
  bool gil = false;                 // run ops under an emulated GIL (core/gil.hpp)
  bool skip_sleep = false;          // ignore sleep_ms (to measure compute time alone)
  std::vector<Observer*> observers = {};  // more watching: a sampler, the live view
  Limits limits = {};                     // --timeout, --task-timeout (TimedOut when one passes)
};

struct ComputeResult {
  std::vector<Value> values;  // one per target, in target order
  std::string scheduler;      // canonical name
  unsigned workers = 0;
  RunStats stats;
  std::vector<TaskEvent> trace;  // sorted by start time; empty unless options.trace
  std::vector<SpanEvent> spans;  // with the trace: GIL waits and serialisation, by start time
  Clock::time_point start{};     // the origin of the trace's times
};

// Throws UsageError (invalid graph, target or options), TaskError, InfrastructureError,
// TimedOut or Interrupted.
ComputeResult compute(const Graph& graph, std::span<const NodeId> targets,
                      const ComputeOptions& options = {});
ComputeResult compute(std::span<const Delayed> targets, const ComputeOptions& options = {});
inline ComputeResult compute(const Delayed& target, const ComputeOptions& options = {}) {
  return compute(std::span<const Delayed>(&target, 1), options);
}
inline ComputeResult compute(std::initializer_list<Delayed> targets,
                             const ComputeOptions& options = {}) {
  return compute(std::span<const Delayed>(targets.begin(), targets.size()), options);
}

}  // namespace schedlab
