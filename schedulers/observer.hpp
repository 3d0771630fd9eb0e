// Observers watch runs without being part of them: tracing, timelines, progress and resource
// sampling are observers, never code inside a scheduler.
//
// Contract: run_started and run_finished are called once per run from the thread that called
// compute. task_started and task_finished may be called concurrently from different workers,
// but never concurrently for the same worker id, so per-worker buffers need no lock. With no
// observer the hot path pays one predictable branch per task.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/graph.hpp"

namespace schedlab {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC: comparable across processes

struct TaskEvent {
  NodeId node;
  unsigned worker;
  int pid;
  Clock::time_point start, end;
};

struct RunInfo {
  const Graph* graph;
  std::string scheduler;
  unsigned workers;
  size_t tasks;
  Clock::time_point start;
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
  virtual void task_started(NodeId, unsigned /*worker*/, Clock::time_point) {}
  virtual void task_finished(const TaskEvent&) {}
  virtual void run_finished(const RunStats&) {}
};

}  // namespace schedlab
