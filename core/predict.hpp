// Prediction: how long a graph should take on a scheduler with N workers, worked out before
// running it, so that a class can "predict, then run".
//
// The model simulates greedy list scheduling: whenever a worker is free it takes a ready task
// (which one, the scheduler's policy says) and keeps it until the task is done. A task is its lock
// (if any), then its sleep, then its compute; durations are sleep_ms plus the compute time measured
// once without sleeps (calibration). Where workers are processes, values move: the parent encodes
// a task's arguments before it starts and decodes its result after, one at a time (the parent is
// one thread), and the worker decodes the arguments and encodes the result as part of its
// compute; those costs are calibrated per value too. Four kinds of resource are honoured, each
// granted first come, first served:
//   - locks: `process` is one lock per process (all threads of the threads/openmp/sync
//     schedulers share one; each worker of `processes` has its own), `global` one for all;
//   - the emulated GIL (one per process), held only while computing;
//   - CPU cores: computing needs a core; sleeping does not;
//   - the parent process of process workers: it encodes and decodes for one task at a time.
// Not modelled: per-task messaging overhead and pool start-up.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "schedlab/core/graph.hpp"

namespace schedlab {

// Which ready task a free worker takes; each scheduler declares its own in the registry.
// - fifo: the oldest ready task (distributed's dispatch, without kept values).
// - work_first (threads, processes): a worker that finishes a task goes straight on with the first
//   successor it made ready and keeps the others on its own stack (newest on top); with nothing
//   of its own it takes the next root, else steals the oldest task of another worker.
// - depth_first (sync): one stack; a task's successors come next, in the order made ready.
// - inline_then_fifo (openmp): the first successor at once, the others at the end of one
//   queue shared by all workers (OpenMP's task queue), which also holds the roots.
// `unspecified`: a scheduler that promises no order (the conformance suite then does not check
// one); the predictor simulates it as fifo.
enum class Policy : uint8_t { fifo, work_first, depth_first, inline_then_fifo, unspecified };
std::string_view policy_name(Policy policy);  // "oldest ready task first", "work-first"
std::string_view policy_rule(Policy policy);  // what the policy does, in one sentence

// How workers map onto processes, which decides who shares a `process` lock and a GIL.
enum class ProcessModel : uint8_t {
  one_process,           // every worker is a thread of one process (sync, threads, openmp)
  process_per_worker,    // each worker is a process of its own (processes)
  processes_of_threads,  // processes of threads_per_process threads each (a cluster)
};

// How far down the ready tasks a free worker of a scheduler that keeps results (distributed)
// looks for one that reads no value kept elsewhere; its prediction looks as far.
inline constexpr size_t kLocalityScan = 64;

struct MachineModel {
  unsigned workers = 1;
  Policy policy = Policy::fifo;
  ProcessModel processes = ProcessModel::one_process;
  unsigned threads_per_process = 1;  // for processes_of_threads: worker w is in process w % P
  bool gil = false;
  unsigned cores = 1;
  // Large results stay on their worker (the distributed scheduler): kept_bytes or more
  // encoded, read by other tasks; 0: every value goes through the parent.
  size_t kept_bytes = 0;
  double fetch_ns_per_byte = 0;  // what bringing a kept value to another worker costs, in all
  // Before the first task can start: a fresh pool of workers for each run (processes with
  // --pool fresh, as Dask's multiprocessing scheduler starts a pool per compute).
  double startup_ms = 0;
  // Dask's batching (processes --chunksize): an idle worker takes up to this many ready tasks at
  // once, runs them one after the other, and their results count when the last is done.
  unsigned chunksize = 1;

  unsigned process_count() const;
  unsigned process_of_worker(unsigned worker) const;
};

// One task of the simulated schedule: which worker takes it and when (from taking it, lock
// waits included, to its end), in ms from the start of the run.
struct ScheduledTask {
  NodeId node = 0;
  unsigned worker = 0;
  double start_ms = 0, end_ms = 0;
};

struct Prediction {
  double total_work_ms = 0;            // sleep + compute of every task
  double critical_path_ms = 0;         // the longest chain
  double bound_ms = 0;                 // max(span, work / N): no schedule can beat it
  double predicted_ms = 0;             // the greedy simulation
  std::vector<std::string> reasoning;  // one line per effect, for people
  std::string critical_chain;          // its keys: "x -> z -> result" (long: ends and "...")
  // Lines of the reasoning that hold the run back from max(span, work / N) (a lock taken in
  // turns, the GIL on threads, too few cores, values moving), and those that, where one might
  // expect it, do not (each process its own lock or GIL, sleeping releases the GIL).
  std::vector<std::string> slowed_by, not_slowed_by;
  std::vector<ScheduledTask> schedule;  // the simulated schedule, in order of start
};

// What each node costs, in ms, indexed by node (missing or short vectors: 0).
struct TaskCosts {
  std::vector<double> compute_ms;  // running the op, and what its worker does around it
  std::vector<double> encode_ms;   // encoding the node's value once (to move it to a process)
  std::vector<double> decode_ms;   // decoding it once
  std::vector<double> bytes;       // its encoded size
  // How much slower each of `copies` runs of the graph's computing, and of moving its costliest
  // value, went side by side in processes, on that many cores, than one alone: shared memory
  // bandwidth and caches. 1 where not measured. Between 1 and `copies` tasks on cores at once,
  // the slowdown is taken as growing linearly. It slows models of several processes only: in
  // threads of one process the copies measured 1.25-1.55x on flights where the threads
  // scheduler's own runs showed none (see docs/PERFORMANCE.md).
  struct SideBySide {
    unsigned copies = 1;
    double computing = 1, moving = 1;
  } side_by_side;
};

// Throws UsageError for an invalid graph. With second_ms > 0 the reasoning gives durations
// in a lesson's seconds, each second_ms long (the unit of its table), rather than in ms.
Prediction predict(const Graph& graph, std::span<const NodeId> targets, const TaskCosts& costs,
                   const MachineModel& machine, double second_ms = 0);

}  // namespace schedlab
