// The scheduling core: the state of one run of a graph, shared by every scheduler.
//
// How a run works
// ---------------
// A Plan (core/plan.hpp) says which tasks are needed for the targets, what each waits for and
// who waits for each. A run copies two counters per task out of it:
//
//   pending[t]    dependencies of t not finished yet. t is *ready* when it reaches 0.
//   consumers[t]  dependents of t that have not read t's result yet. When it reaches 0 (and t
//                 is not a target) the result is *released*: dropped at once, so memory holds
//                 only what someone still needs (as Dask's local scheduler does).
//
// A task is in one of four states: waiting (pending > 0), ready (pending == 0, not started),
// running, finished. There is no central ready list here: whoever finishes a task decrements
// its successors' `pending` (an atomic decrement each, a plain store of 0 where it is the
// successor's only dependency) and is handed back the successors
// that became ready. What a scheduler does with them is its only business: the sync scheduler
// pushes them on a stack, the threads scheduler runs the first itself and queues the rest for
// other workers, the processes scheduler ships them to worker processes.
//
// Errors: the first failure wins (a compare-and-swap on `failed_`; later task failures are
// counted); from then on stopped() is true, schedulers start nothing new (in-process tasks
// already running finish; the processes scheduler abandons the ones in flight, distributed
// waits for them briefly), and finish() rethrows the failure as a TaskError (key, op, message)
// or InfrastructureError. SIGINT and SIGTERM set a process-wide flag that stopped() reads too
// (core/interrupt.hpp), and finish() then throws Interrupted; a timeout (deadlines.hpp) is a
// failure of this run only, which its tasks see through their RunStop, and finish() throws
// TimedOut naming the task.
//
// Memory orders: `pending` and `consumers` use acq_rel. The release half publishes the result
// written by the finishing task; the acquire half makes it visible to the successor that sees
// the counter reach zero (and makes every earlier read of an input happen before it is dropped).
// A counter only one task ever decrements (a successor's only dependency, an input's only
// consumer) needs neither: that task is the only writer, and the queue that hands the ready
// task on publishes what it wrote. It is still set to 0, for the state read by tests.
//
// A worked example: (1 + 3) * (2 - 4), targets {z}
//
//   x = add(1, 3)   y = sub(2, 4)   z = mul(x, y)
//   pending:   x 0, y 0, z 2        consumers: x 1, y 1, z 0 (z is a target)
//   roots: x, y
//   1. a worker runs x -> result 4; pending[z] 2 -> 1 (not ready yet).
//   2. a worker runs y -> result -2; pending[z] 1 -> 0: z is ready, handed back to it.
//   3. it runs z: reads x and y, consumers[x] 1 -> 0 and consumers[y] 1 -> 0, so both are
//      released; z = -8 is kept because it is a target. Live intermediates peaked at 2.
//
// Two ways in: run() does all of a task in the calling thread (sync, threads, openmp);
// gather_args() + task_ran() / fail_task() split it for schedulers that run the op elsewhere
// (processes, distributed). When nobody watches the run (no task observer, no limits, no
// GIL), run() takes a lean path for plain tasks (Plan::kPlain) and goes on, in the same call,
// into a successor that only the task it finished made ready; the links of a chain
// (Plan::kLink) hand each result to the next in hand, as Dask's linear fusion would. The
// state and statistics afterwards are those of running the tasks one by one.
//
// Observers: the execution owns the list and fires every hook: run_started in start(),
// task_started/task_finished around each task (run() or task_ran()), add_figures and
// run_finished in finish(), whether the run succeeded or not.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "schedlab/core/graph.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/plan.hpp"
#include "schedlab/schedulers/deadlines.hpp"
#include "schedlab/schedulers/observer.hpp"
#include "schedlab/schedulers/task_body.hpp"

namespace schedlab {

// What an in-process scheduler drives: a DAG whose tasks it can run on any worker.
class Job {
 public:
  virtual ~Job() = default;
  virtual std::span<const NodeId> roots() const = 0;
  virtual size_t size() const = 0;  // tasks to run
  // Runs task n on `worker` and appends to `ready` the successors that became ready. It may
  // run on, in the same call, successors that only n made ready (a chain); then `ready` has
  // what the last of them made ready. Never throws (every override must be noexcept too): a failure
  // is recorded and makes stopped() true, so a scheduler needs no error channel of its own.
  virtual void run(NodeId n, unsigned worker, std::vector<NodeId>& ready) noexcept = 0;
  bool stopped() const { return failed_.load(std::memory_order_relaxed) || signal_requested(); }

 protected:
  std::atomic<bool> failed_{false};
};

class Execution final : public Job {
 public:
  // `info.graph` must be `graph`; `info.workers` is the scheduler's worker count.
  Execution(const Graph& graph, std::shared_ptr<const Plan> plan, RunInfo info,
            std::vector<Observer*> observers = {}, TaskLocks locks = TaskLocks::in_process());
  ~Execution() override;

  std::span<const NodeId> roots() const override { return plan_->roots; }
  size_t size() const override { return plan_->tasks; }
  void run(NodeId n, unsigned worker, std::vector<NodeId>& ready) noexcept override;

  // Fires run_started and starts the clock of `limits`; call once, before the scheduler runs.
  void start(Limits limits = {});

  // For schedulers that run tasks elsewhere (the split path): worker w started task n now, or
  // has nothing running. Timeouts need to know, and observers that show what runs.
  void task_began(unsigned w, NodeId n) {
    if (!deadlines_ && !observed()) return;
    const Clock::time_point now = Clock::now();
    if (deadlines_) deadlines_->begin(w, n, now);
    for (Observer* o : task_observers_) o->task_began(w, n, now);
  }
  // Whether anything watches tasks (a span is worth making only then), and telling it of one.
  bool observed() const { return !task_observers_.empty(); }
  void tell_span(const SpanEvent& s) {
    for (Observer* o : task_observers_) o->span(s);
  }
  void worker_idle(unsigned w) {
    if (deadlines_) deadlines_->end(w);
    for (Observer* o : task_observers_) o->worker_idle(w);
  }

  // The split path. gather_args fills `out` with n's arguments (lists resolved).
  void gather_args(NodeId n, std::vector<Value>& out) const;
  // The task `ran` describes (times from the worker's clock) made `result`: tells the
  // observers, records the result, releases inputs nobody needs any more and appends the
  // successors that became ready.
  void task_ran(const TaskEvent& ran, Value result, std::vector<NodeId>& ready);
  // For a scheduler that left n's result where it was made (task_ran got a null in its
  // place): the value has been brought here, for tasks that read it here. Call it before
  // n's last reader has run.
  void fill_result(NodeId n, Value value, unsigned worker);
  // The task `ran` describes raised `message`: tells the observers, records the failure.
  void task_failed(TaskEvent ran, std::string message);
  // Records a failure (the first one wins); fail_task for a task that could not be run.
  void fail_task(NodeId n, std::string message);
  void fail_infrastructure(std::string message);
  // Whether what stopped the run is a task's failure (not a timeout or the machinery).
  bool failed_by_a_task() const {
    std::lock_guard lock(failure_mutex_);
    return failure_ == Failure::task;
  }

  const Graph& graph() const { return graph_; }
  const Plan& plan() const { return *plan_; }
  const TaskLocks& locks() const { return locks_; }
  RunStats& stats() { return stats_; }  // schedulers add their own figures (bytes moved)

  // The state of one task, for tests and debugging. Plain reads: only while no task runs.
  uint32_t pending(NodeId n) const { return nodes_[n].pending; }
  uint32_t consumers(NodeId n) const { return nodes_[n].consumers; }
  bool holds_result(NodeId n) const { return !results_[n].is_null(); }

  // After the scheduler returns: completes the stats, lets observers add their figures, fires
  // run_finished, then throws Interrupted if a signal asked to stop, else the recorded failure
  // (TimedOut, TaskError, InfrastructureError), else returns the target values in target order.
  std::vector<Value> finish();

 private:
  enum class Failure : uint8_t { none, task, infrastructure, timeout };
  void complete(NodeId n, Value result, unsigned worker, std::vector<NodeId>& ready);
  bool too_deep(NodeId n, const Value& result);  // fails n if so
  // run() without observers, limits or GIL, for a Plan::kPlain task.
  void run_plain(NodeId n, unsigned worker, std::vector<NodeId>& ready) noexcept;
  // run_plain for a link of a chain (Plan::kLink) and the links after it: each result is
  // handed to the next link in hand, not stored and read back.
  void run_links(NodeId n, unsigned worker, std::vector<NodeId>& ready) noexcept;
  bool record_failure(Failure kind, std::string key, std::string op, std::string message);
  void resolve(std::span<const PackedArg> items, std::vector<Value>& out) const;
  const Value& scalar_arg(PackedArg a) const;  // a ref's result or a literal (not a list)
  void close_stats();
  void timed_out(NodeId n, bool whole_run, Clock::duration ran);
  void tell_started(const TaskEvent& e);
  void tell_finished(const TaskEvent& e);
  void tell_both(const TaskEvent& ran);  // both hooks at once, for the split path

  const Graph& graph_;
  std::shared_ptr<const Plan> plan_;
  RunInfo info_;
  bool started_ = false, closed_ = false;  // run_started fired; run_finished fired
  std::vector<Observer*> observers_;       // every observer: run-level hooks
  std::vector<Observer*> task_observers_;  // those that want per-task hooks
  TaskLocks locks_;
  // Both counters of a node side by side: one cache miss per node instead of two. Plain
  // integers, used through std::atomic_ref while the run goes on, so that setting them up is
  // a copy the compiler can vectorize rather than a loop of atomic stores.
  struct NodeCounters {
    uint32_t pending;
    uint32_t consumers;
  };
  static_assert(std::atomic_ref<uint32_t>::required_alignment <= alignof(uint32_t));
  std::unique_ptr<NodeCounters[]> nodes_;
  // One slot per node for its result while someone needs it. A run that never kept a result
  // holding heap memory (a graph of ints and doubles) frees the slots without visiting each.
  struct ResultSlots {
    explicit ResultSlots(size_t n);
    ResultSlots(const ResultSlots&) = delete;
    ResultSlots& operator=(const ResultSlots&) = delete;
    ~ResultSlots();
    Value& operator[](NodeId i) { return v[i]; }
    const Value& operator[](NodeId i) const { return v[i]; }
    size_t n;
    Value* v;
    bool may_hold_heap = true;  // cleared by ~Execution when no worker kept such a result
  } results_;
  std::vector<std::vector<Value>> arg_buffers_;  // one per worker: no allocation per task
  const int pid_;

  // Per-worker counters, written only by their worker, so the hot path has no shared counter.
  // Live intermediates are counted where they are made and where they are dropped (possibly by
  // different workers, so one worker's count can go negative); their sum is the live total.
  // With one worker the peak is exact; with more, each worker samples the sum every
  // kPeakSample results it makes, so the peak may be missed by at most that many per worker.
  static constexpr uint32_t kPeakSample = 16;
  struct alignas(64) WorkerCounters {
    uint64_t tasks_run = 0;
    std::atomic<int64_t> live_count{0};  // atomic only so that other workers may sample it
    std::atomic<int64_t> live_bytes{0};
    int64_t peak_count = 0, peak_bytes = 0;
    uint32_t until_sample = 0;
    bool kept_heap_results = false;  // see ResultSlots
  };
  // Every result goes into its slot through here.
  void keep(WorkerCounters& c, NodeId n, Value v) {
    c.kept_heap_results |= v.on_heap();
    results_[n] = std::move(v);
  }
  void count_live(WorkerCounters& c, int64_t count, int64_t bytes);
  void sample_peak(WorkerCounters& c);  // with several workers: the sum of them all
  std::vector<WorkerCounters> counters_;

  mutable std::mutex failure_mutex_;
  Failure failure_ = Failure::none;
  std::string failure_key_, failure_op_, failure_message_;
  // Task failures after the first (tasks already running when the run began to stop).
  static constexpr size_t kListedOtherFailures = 5;
  size_t other_failures_ = 0;
  std::vector<std::string> some_other_failures_;
  RunStats stats_;
  Limits limits_;
  std::unique_ptr<RunStop> run_stop_;     // with limits: what a timeout stops (this run only)
  std::unique_ptr<Deadlines> deadlines_;  // only while a run with limits is going
};

}  // namespace schedlab
