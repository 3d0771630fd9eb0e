// One dispatcher for the schedulers whose workers are other processes (processes: forked
// workers on shared memory; distributed: MPI ranks). It owns what does not depend on how a task
// travels: the ready tasks and which one a worker takes, how many each worker holds (batching),
// the tasks in flight per worker, what the core is told about them (which task each worker runs,
// what ran), abandoning them when a run stops, forgetting a dead worker's, and the transfer
// statistics. A Transport says how a task gets to a worker and its answer back; adding a backend
// means writing one (send, collect, wait, and what to do when workers are abandoned), not a
// scheduler. tests/dispatcher_test.cpp checks these rules on a fake transport.
//
// Batching: while the tasks a worker ran were short on average (below kShortTaskUs), up to
// kMaxBatch of them are in flight per worker thread, so that a message carries many and the
// worker picks the next up without waiting for us; a task that sleeps, or any task once tasks
// are seen to take long, goes only to a worker with an idle thread, so that slow tasks are
// scheduled greedily, one per thread, as the predictions assume. Tasks go to the least loaded
// worker (of two alike, one with ready tasks of its own first).
//
// Which task a worker takes (Policy): work-first (processes, as the threads scheduler and Dask's
// local scheduler do): the tasks a worker's result made ready go on that worker's own stack, the
// first of them on top, so that it goes straight on with it; a worker with nothing of its own
// takes the next root, else the oldest task of another worker's stack. Oldest first
// (distributed, as Dask's distributed scheduler): one queue, from which the transport may choose
// another task for a worker (Transport::choose: locality).
//
// --chunksize (Dask's multiprocessing batching): a worker with nothing in flight gets up to
// `chunk` tasks at once, and their results count when the last of them is back.
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "schedlab/schedulers/execution.hpp"
#include "schedlab/schedulers/remote/ready_tasks.hpp"
#include "schedlab/schedulers/remote/task_messages.hpp"

namespace schedlab::remote {

inline constexpr unsigned kMaxBatch = 64;
inline constexpr double kShortTaskUs = 20;

class Transport {
 public:
  virtual ~Transport() = default;

  enum class Sent : uint8_t {
    now,    // in flight on the worker
    later,  // the transport holds it, and sends it later with Dispatcher::send_held
    full,   // the worker cannot take it now: try again after collecting
  };
  // Sends task n (arguments from Execution::gather_args) to worker w. Throws CodecError when its
  // arguments cannot be encoded (that task fails); any other exception fails the run. It must
  // not call back into the dispatcher (the ready tasks may not change while one is sent).
  virtual Sent send(unsigned w, NodeId n) = 0;
  // The end of a dispatch round: what send() batched goes out.
  virtual void flush() {}
  // Reads the workers' answers and hands them to the dispatcher (returned, then ran or the
  // core's task_failed); true if any came.
  virtual bool collect() = 0;
  // Nothing came: waits a little for answers, and checks that the workers live.
  virtual void wait() = 0;

  // With the oldest-first policy: which of the ready tasks (oldest first) worker w takes; none
  // if none suits it now.
  virtual std::optional<size_t> choose(unsigned /*w*/, const std::deque<NodeId>& /*ready*/) {
    return 0;
  }
  // The run stopped: tasks held (Sent::later) are never sent.
  virtual void drop_held() {}
  // How long a run stopped by a failed task waits for the tasks in flight before it abandons
  // them (a signal or a timeout never waits).
  virtual Clock::duration drain_grace() const { return Clock::duration::zero(); }
  // True once a worker died: a stopped run then abandons the others at once, even with nothing
  // in flight (whatever holds them must be replaced).
  virtual bool lost_a_worker() const { return false; }
  // The run stopped: worker w's tasks in flight will not be used (stop it, or let it be).
  virtual void abandon(unsigned /*w*/) {}
  // After abandon(): every worker's tasks have been forgotten.
  virtual void abandoned() {}
  // The run is over (answered, or stopped and nothing is in flight).
  virtual void finish() {}
};

struct Settings {
  unsigned workers = 1;
  unsigned threads = 1;  // tasks a worker runs side by side
  unsigned chunk = 1;    // > 1: --chunksize
  Policy policy = Policy::work_first;
};

// Bytes and encoding time, added to the run's statistics at the end.
struct Transfer {
  uint64_t to_workers = 0, from_workers = 0;
  int64_t serialise_ns = 0;  // ours and what the workers report
};

class Dispatcher {
 public:
  // Keeps references: `ex` and `t` must outlive it (a transport usually owns its dispatcher).
  Dispatcher(Execution& ex, Transport& t, Settings s);

  // Dispatches, collects and waits until every task ran, or the run stopped and nothing is in
  // flight any more; then adds the transfer statistics to the run's.
  void run();

  // For the transport.
  enum class Outcome : uint8_t { gave, full, failed };
  // Sends task n to worker w (a task taken from the ready ones, or one held until now): failed
  // when the task or the run failed.
  Outcome send(unsigned w, NodeId n);
  // Sends a task the transport held (Sent::later) to the worker it was given. On full, the
  // transport still holds it.
  Outcome send_held(unsigned w, NodeId n) {
    --held_[w];
    --held_total_;
    const Outcome o = send(w, n);
    if (o == Outcome::full) {
      ++held_[w];
      ++held_total_;
    }
    return o;
  }
  // An answer about task n came from worker w: false if it is not in flight there any more (its
  // worker was forgotten, or the answer is from an abandoned run): drop it.
  bool returned(unsigned w, NodeId n);
  // Task `ran` (returned from worker w) made `result`.
  void ran(unsigned w, const TaskEvent& ran, Value result);
  // Worker w's tasks will never answer (it died, or the run is abandoning it).
  void forget(unsigned w);

  const Settings& settings() const { return s_; }
  const std::deque<NodeId>& in_flight(unsigned w) const { return in_flight_[w]; }
  size_t total_in_flight() const { return total_; }
  // Tasks given to worker w: in flight, or held by the transport.
  size_t load(unsigned w) const { return in_flight_[w].size() + held_[w]; }
  // The trace's worker for thread t of worker w: lanes 0..workers-1 are one thread of each
  // worker, as the predictor numbers them.
  unsigned lane(unsigned w, unsigned thread) const {
    return std::min(thread, s_.threads - 1) * s_.workers + w;
  }
  // The tasks worker w's threads are running (its first `threads` in flight), as a phrase: with
  // several, which one a crash came from is not known, so all are named.
  std::string running_on(unsigned w) const;
  double mean_task_ns() const { return completed_ ? run_ns_ / static_cast<double>(completed_) : 0; }
  // The mean weighted by time: the time of the task a moment of waiting falls in.
  double weighted_task_ns() const { return run_ns_ > 0 ? run_ns_squared_ / run_ns_ : 0; }
  bool slow_tasks() const { return completed_ > 0 && mean_task_ns() > kShortTaskUs * 1e3; }
  Transfer& transfer() { return transfer_; }
  // The scheduling process encoded task n's arguments (or decoded its result) from t0_ns until
  // t1_ns: counted, and a span of its lane when the run is traced.
  void serialised(SpanEvent::Kind kind, NodeId n, int64_t t0_ns, int64_t t1_ns = now_ns());
  // A worker's side of a task's serialisation, as its outcome reports it, on `lane`.
  void serialised_by_worker(const OutcomeHeader& outcome, unsigned lane);

 private:
  void dispatch();
  enum class Try : uint8_t { gave, stop, skip, full };
  Try try_give(unsigned w, size_t most);
  void dispatch_chunks();
  void abandon();
  void show_lanes(unsigned w);

  Execution& ex_;
  Transport& t_;
  const Settings s_;
  ReadyTasks ready_;
  std::vector<std::deque<NodeId>> in_flight_;
  size_t total_ = 0;
  std::vector<size_t> held_;  // per worker (Sent::later)
  size_t held_total_ = 0;
  std::vector<std::vector<std::pair<TaskEvent, Value>>> chunk_results_;  // chunk > 1
  static constexpr NodeId kNoTask = ~NodeId{0};
  std::vector<NodeId> shown_;  // per lane: the task the core was told it runs
  std::vector<unsigned> by_load_;
  std::vector<NodeId> made_ready_;
  std::optional<Clock::time_point> drain_until_;  // set when the run has stopped
  uint64_t completed_ = 0;
  double run_ns_ = 0, run_ns_squared_ = 0;
  Transfer transfer_;
};

}  // namespace schedlab::remote
