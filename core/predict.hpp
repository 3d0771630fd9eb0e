// Prediction: how long a graph should take on a scheduler with N workers, worked out before
// running it, so that a class can "predict, then run".
//
// The model simulates greedy list scheduling: whenever a worker is free it takes a ready task
// (which one, the scheduler's policy says) and keeps it until the task is done. A task is its lock (if any), then its sleep,
// then its compute; durations are sleep_ms plus the compute time measured once without sleeps
// (calibration). Three kinds of resource are honoured, each granted first come, first served:
//   - locks: `process` is one lock per process (all threads of the threads/openmp/sync
//     schedulers share one; each worker of `processes` has its own), `global` one for all;
//   - the emulated GIL (one per process), held only while computing;
//   - CPU cores: computing needs a core; sleeping does not.
// Not modelled: per-task scheduling overhead, serialisation and pool start-up (so the gap
// between measured and predicted on `processes` shows what moving data costs).
#pragma once

#include <string>
#include <vector>

#include "core/graph.hpp"

namespace schedlab {

// Which ready task a free worker takes: `fifo`, the oldest ready task (the processes
// scheduler's dispatch); `work_first`, as threads and openmp do: a worker that finishes a task
// goes straight on with the first successor it made ready, keeps the others on its own stack,
// and when it has nothing takes the next root, else steals the oldest task of another worker.
enum class Policy : uint8_t { fifo, work_first };

struct MachineModel {
  unsigned workers = 1;
  Policy policy = Policy::fifo;
  bool separate_processes = false;  // each worker its own process (the processes scheduler)
  bool gil = false;
  unsigned cores = 1;
};

struct Prediction {
  double total_work_ms = 0;     // sleep + compute of every task
  double critical_path_ms = 0;  // the longest chain
  double bound_ms = 0;          // max(span, work / N): no schedule can beat it
  double predicted_ms = 0;      // the greedy simulation
  std::vector<std::string> reasoning;  // one line per effect, for people
};

// compute_ms: per node, measured compute time (0 where unknown). Throws UsageError for an
// invalid graph.
Prediction predict(const Graph& graph, std::span<const NodeId> targets,
                   const std::vector<double>& compute_ms, const MachineModel& machine);

}  // namespace schedlab
