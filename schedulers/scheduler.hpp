// Schedulers: the pluggable part. The core (execution.hpp) owns every piece of run state;
// a scheduler only decides how ready tasks get executed, on which worker.
//
// Schedulers are found by name or alias in one registry. Instances are cached per (name,
// workers) so that pools of threads or processes are started once and reused across computes.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "schedlab/core/predict.hpp"
#include "schedlab/schedulers/execution.hpp"

namespace schedlab {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual unsigned workers() const = 0;
  // Runs the execution until every task has finished or it is stopped. Failures are recorded
  // in the execution, not thrown.
  virtual void run(Execution& execution) = 0;
  // The locks tasks see; the processes scheduler has its own `global` lock in shared memory.
  virtual TaskLocks locks() { return TaskLocks::in_process(); }
  // The worker processes the next run will use (for their CPU time); none for schedulers that
  // run in this process. Called just before run().
  virtual std::vector<int> worker_pids() { return {}; }

  // A scheduler instance runs one execution at a time: computes from several threads on the
  // same (name, workers) take turns here. (So a task must not compute on its own scheduler.)
  std::mutex& busy() { return busy_; }

 private:
  std::mutex busy_;
};

// A scheduler that runs tasks in this process and can therefore drive any Job, including the
// plain-body jobs of the benchmarks.
class InProcessScheduler : public Scheduler {
 public:
  virtual void run_job(Job& job) = 0;
  void run(Execution& execution) override { run_job(execution); }
};

// What the rest of schedlab may know about a scheduler. Prediction, the suite, the CLI and the
// reporters ask these instead of comparing names, so a new scheduler is one registry entry.
struct SchedulerTraits {
  Policy policy =
      Policy::work_first;  // which ready task a free worker takes (predict simulates it)
  ProcessModel processes = ProcessModel::one_process;
  unsigned fixed_workers = 0;     // 0: as many workers as asked; sync: always 1
  bool speedup_baseline = false;  // speedups are measured against this scheduler
  // Results of at least this many bytes (encoded) that other tasks read stay on the worker that
  // made them (0: none do, every value goes through the scheduler), and what fetching one to
  // another worker costs (distributed).
  size_t keeps_results_from = 0;
  double fetch_ns_per_byte = 0;
  // It can hold each worker process to SchedulerConfig::memory_limit; asking another scheduler
  // for a limit is an error, not a limit silently ignored.
  bool limits_worker_memory = false;
  // It keeps a pool of worker processes across runs, which SchedulerConfig::fresh_pool may ask
  // to replace for every run instead.
  bool pools_workers = false;
  // In the default classroom suite (`schedlab run` with no scheduler named). A reference a class
  // does not need (tbb) says false; it still runs wherever it is named.
  bool classroom = true;
  // What `schedlab bench` measures it against, where that baseline is built (bench/baselines.hpp):
  // oneTBB's flow graph, or raw OpenMP tasks for a scheduler on OpenMP.
  std::string bench_baseline = "tbb_flow";
};

// How to start a scheduler. `workers` are threads or processes, or, for a scheduler of
// processes of threads (distributed), the processes; each then has `threads_per_worker`.
// The most workers a scheduler is started with: threads, processes or ranks.
inline constexpr unsigned kMaxWorkers = 1024;

struct SchedulerConfig {
  unsigned workers = 0;             // 0: one per core
  unsigned threads_per_worker = 1;  // processes_of_threads only
  uint64_t memory_limit = 0;        // bytes per worker process, 0: none (distributed only)
  bool fresh_pool = false;          // a new pool of workers for every run (pools_workers only)
  unsigned chunksize = 1;           // Dask's batching: tasks a free worker takes at once (ditto)
  bool operator==(const SchedulerConfig&) const = default;
};

struct SchedulerInfo {
  std::string name;
  std::vector<std::string> aliases;
  std::string description;
  SchedulerTraits traits;
  std::function<std::unique_ptr<Scheduler>(const SchedulerConfig&)> make;
  // What must go when the process exits without stopping its schedulers (a stop that a task
  // ignores ends the process from another thread): system resources that would outlive it,
  // such as shared-memory segments. Async-signal-safe is not needed, but it must not wait for
  // the scheduler's threads. May be empty.
  std::function<void()> before_forced_exit = {};

  // The workers a run asked for `requested` (0: one per core) really gets.
  unsigned workers_for(unsigned requested) const;
  // UsageError, naming the flag, for what `config` asks and this scheduler cannot do: a memory
  // limit, or threads per worker where there are no worker processes of threads.
  void check(const SchedulerConfig& config) const;
  // The machine the predictor simulates for this scheduler; `threads_per_worker` counts for
  // processes of threads only.
  MachineModel machine(unsigned requested_workers, bool gil, unsigned threads_per_worker = 1) const;
};

class SchedulerRegistry {
 public:
  // The process-wide registry with every scheduler this build has.
  static SchedulerRegistry& global();

  void add(SchedulerInfo info);
  // By name or alias; throws UsageError listing the valid names.
  const SchedulerInfo& info(std::string_view name) const;
  std::vector<const SchedulerInfo*> list() const;
  // The scheduler speedups are measured against (sync).
  const SchedulerInfo& baseline() const;
  bool has(std::string_view name) const;

  // A started scheduler for (name, config), reused across calls. workers 0: one per core.
  std::shared_ptr<Scheduler> acquire(std::string_view name, SchedulerConfig config);
  std::shared_ptr<Scheduler> acquire(std::string_view name, unsigned workers) {
    return acquire(name, SchedulerConfig{.workers = workers});
  }
  // Stops every cached scheduler (threads joined, worker processes reaped).
  void shutdown();
  // Runs every scheduler's before_forced_exit: the process is about to _exit with tasks still
  // running (cli/stop_watchdog.hpp).
  void before_forced_exit() const;

 private:
  mutable std::mutex mutex_;  // infos_: held only to look one up or add one
  std::vector<SchedulerInfo> infos_;
  struct Cached {
    std::string name;
    SchedulerConfig config;
    std::shared_ptr<Scheduler> scheduler;
  };
  std::mutex cache_mutex_;  // cache_, and held while a scheduler starts
  std::vector<Cached> cache_;
  mutable std::mutex hooks_mutex_;  // never held while a scheduler starts or stops
  std::vector<std::function<void()>> hooks_;
};

// The cores this process may use: its affinity mask and its cgroup's CPU quota count
// (schedulers/cores.cpp). usable_cores() reads them now; default_workers(), the workers of a
// scheduler not told how many, is its value at the first call, kept.
unsigned usable_cores();
unsigned default_workers();

// Factories of the built-in schedulers (one file each).
std::unique_ptr<Scheduler> make_sync_scheduler(unsigned workers);
std::unique_ptr<Scheduler> make_threads_scheduler(unsigned workers);
std::unique_ptr<Scheduler> make_processes_scheduler(unsigned workers, bool fresh_pool = false,
                                                    unsigned chunksize = 1);
void remove_processes_segments();  // this process's shared memory (processes' before_forced_exit)

}  // namespace schedlab
