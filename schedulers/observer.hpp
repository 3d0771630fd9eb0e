// Observers watch runs without being part of them: tracing, timelines, progress, resource
// figures and sampling are observers, never code inside a scheduler. The scheduling core
// (Execution) owns the list and fires every hook; schedulers only tell it what happened.
//
// Contract: hooks must not throw (task hooks run inside noexcept code; an exception there
// ends the process). run_started and run_finished are called once per run from the thread that
// called compute. task_started and task_finished get the same view of a task and may be called
// concurrently from different workers, but never concurrently for the same worker id, so
// per-worker buffers need no lock. An observer that does not want per-task hooks says so
// (wants_tasks), and a run whose observers all say so pays one predictable branch per task.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "schedlab/core/gil.hpp"
#include "schedlab/core/graph.hpp"
#include "schedlab/core/plan.hpp"

namespace schedlab {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC: comparable across processes

// One task as observers see it. In task_started, `end` is not known yet and equals `start`.
// Times are when the task's body started and ended on its worker (in the worker process for
// `processes`, whose parent learns of both when the result arrives).
struct TaskEvent {
  NodeId node;
  unsigned worker;
  int pid;
  Clock::time_point start, end;
  bool failed = false;  // task_finished of a task that raised (the run is failing)
  // Part of [start, end] spent waiting for the task's lock and for the GIL (task_finished).
  double lock_wait_ms = 0, gil_wait_ms = 0;
};

// A stretch of a task's time that is not its op computing, as timelines draw it: a wait for the
// GIL at one of the op's hand-overs, or its values encoded or decoded to move between processes
// (by its worker around the op, or by the scheduling process before and after).
struct SpanEvent {
  enum class Kind : uint8_t { gil_wait, encode, decode };
  Kind kind;
  NodeId node;
  unsigned worker;  // the worker lane, or kSchedulerLane
  Clock::time_point start, end;
};
// Shorter spans are not told: too short to see in a timeline, and small values, encoded in a
// microsecond, would add four spans per task (GilWaitLog keeps GIL waits from the same length).
inline constexpr std::chrono::microseconds kShortestSpan = kLoggedGilWait;
// The lane of the scheduling process itself: the parent of process workers, or rank 0.
inline constexpr unsigned kSchedulerLane = ~0u;
// "gil_wait", "encode", "decode": as results.json and trace files name them.
inline const char* kind_name(SpanEvent::Kind kind) {
  static constexpr const char* kNames[] = {"gil_wait", "encode", "decode"};
  return kNames[static_cast<size_t>(kind)];
}

struct RunInfo {
  const Graph* graph;
  std::string scheduler;
  unsigned workers;
  size_t tasks;
  Clock::time_point start;            // when compute handed the graph over: the origin of wall time
  std::vector<int> worker_pids = {};  // worker processes of the scheduler, if it has any
  const Plan* plan = nullptr;         // what the run executes (set by the scheduling core)
};

// Figures for one run. Sizes in bytes, times in milliseconds.
struct RunStats {
  double wall_ms = 0;
  double cpu_ms = 0;            // user + system time of this process (and its workers)
  uint64_t peak_rss_bytes = 0;  // of this process during the run (0 where not measurable)
  uint64_t tasks_run = 0;
  uint64_t peak_live_intermediates = 0;  // results held for dependents at once, at most
  uint64_t peak_live_bytes = 0;
  uint64_t bytes_to_workers = 0;    // serialised arguments (processes only)
  uint64_t bytes_from_workers = 0;  // serialised results (processes only)
  double serialise_ms = 0;          // encoding + decoding time, both sides
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void run_started(const RunInfo&) {}
  virtual void task_started(const TaskEvent&) {}
  virtual void task_finished(const TaskEvent&) {}
  // Schedulers of worker processes only (processes, distributed), whose task hooks come when a
  // result arrives: worker `worker` began `node` at about `at`, as far as the parent can tell.
  virtual void task_began(unsigned /*worker*/, NodeId /*node*/, Clock::time_point /*at*/) {}
  // Likewise: the parent has nothing running on `worker` any more (its task ended, failed, or
  // the worker died).
  virtual void worker_idle(unsigned /*worker*/) {}
  // Within a run, for tracing: fired as task_finished is for the span's worker; spans of
  // kSchedulerLane only from the thread that runs the scheduling core (the split path). Where
  // tasks run in other processes, a task's spans may come before its task hooks, or for a task
  // whose end is never reported (its worker failed).
  virtual void span(const SpanEvent&) {}
  // Before any run_finished: an observer that measures the run adds its figures to the stats
  // every observer then sees (ResourceMeter: CPU time and peak RSS).
  virtual void add_figures(RunStats&) {}
  virtual void run_finished(const RunStats&) {}
  // False for observers of whole runs only: they cost nothing per task.
  virtual bool wants_tasks() const { return true; }
};

}  // namespace schedlab
