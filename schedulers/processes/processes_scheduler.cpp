// processes: tasks run in a pool of worker processes; arguments and results travel as encoded
// values through shared memory. The parent does all the bookkeeping (the scheduling core's
// split path: gather_args, then complete or fail); workers only run ops.
//
// Dispatch follows the threads scheduler's policy (work-first), as Dask's local scheduler uses
// one policy for its threads and its processes: the tasks a worker's result made ready go on
// that worker's own stack, the first of them on top, so that it goes straight on with it; a
// worker with nothing of its own takes the next root, else the oldest task of another worker's
// stack. Tasks go to the worker with the fewest in flight (of those, one with tasks of its own
// first). A worker may hold several tasks at once (a batch: it picks the next one up without
// waiting for the parent) while tasks are short; a task that sleeps, or any task once tasks are
// seen to take long, goes only to an idle worker, so that slow tasks are scheduled greedily, one
// per worker, as the lessons' predictions assume. Faults: while waiting, the parent reaps exited
// workers every few milliseconds; a dead worker fails the run with its pid, how it died and the
// task it was running, and the pool is replaced before the next run. A worker stopped (state T:
// SIGSTOP) for kUnresponsive is killed and reported the same way. Not one in uninterruptible sleep
// (state D): that is normal under heavy swapping, and SIGKILL would not act before it ends anyway;
// nor one being traced (t): a debugger attached on purpose. A run that stops for any reason (a
// failure, Ctrl-C, a timeout) does not wait for the tasks in flight: their workers are told to
// stop, so the run ends within milliseconds.
#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <thread>

#include "schedlab/core/value_codec.hpp"
#include "schedlab/schedulers/clock_ns.hpp"
#include "schedlab/schedulers/proc_stat.hpp"
#include "schedlab/schedulers/processes/pool.hpp"
#include "schedlab/schedulers/processes/spin.hpp"
#include "schedlab/schedulers/processes/transfer.hpp"
#include "schedlab/schedulers/remote_dispatch.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {
namespace processes {
namespace {

using std::chrono::duration;

using remote::kMaxBatch;
using remote::kShortTaskUs;
constexpr int64_t kLivenessCheckUs = 5'000;  // how often a waiting parent reaps dead workers
constexpr auto kUnresponsive = std::chrono::seconds(2);       // not running for this long: dead
constexpr auto kStateCheck = std::chrono::milliseconds(100);  // how often states are read

class ProcessesScheduler final : public Scheduler {
 public:
  ProcessesScheduler(unsigned workers, bool fresh_pool, unsigned chunksize)
      : workers_(workers), fresh_(fresh_pool), chunksize_(std::max(1u, chunksize)) {
    restart();
  }
  unsigned workers() const override { return workers_; }
  // Called just before run(), on the run's clock: where a fresh pool is due, it starts here, so
  // that the run's observers are told the workers it really uses.
  std::vector<int> worker_pids() override {
    ready_pool();
    std::vector<int> out;
    for (unsigned w = 0; w < pool_->size(); ++w) out.push_back(pool_->pid(w));
    return out;
  }

  void run(Execution& ex) override {
    try {
      ready_pool();
    } catch (const std::exception& e) {  // e.g. fork refused: the run fails, the scheduler stays
      ex.fail_infrastructure(e.what());
      return;
    }
    Run r(*this, ex);
    r.loop();
    // --pool fresh: the next run stops this pool and starts another, on its clock, as Dask's
    // multiprocessing scheduler does per compute (the latency lesson).
    fresh_due_ = fresh_;
  }

 private:
  // A pool that lost a worker, that started before ops were registered, or that a fresh pool is
  // due to replace, is replaced (as is none: a start that failed).
  void ready_pool() {
    if (!pool_ || fresh_due_ || pool_->broken() ||
        OpRegistry::global().size() != pool_->ops_at_start()) {
      fresh_due_ = false;
      restart();
    }
  }

  void restart() {
    pool_.reset();
    pool_ = std::make_unique<WorkerPool>(workers_);
  }

  // The state of one run.
  class Run {
   public:
    Run(ProcessesScheduler& s, Execution& ex)
        : pool_(*s.pool_),
          ex_(ex),
          own_(s.workers_),
          chunk_(s.chunksize_),
          held_(s.workers_),
          in_flight_(s.workers_),
          not_running_since_(s.workers_) {}

    void loop() {
      std::vector<NodeId> became_ready;
      for (;;) {
        publish_cpu(pool_.header().parent_cpu);  // for workers deciding whether to spin
        if (!ex_.stopped()) dispatch();
        bool got = collect(became_ready);
        if (ex_.stopped() && total_in_flight_ > 0) abandon_in_flight();
        if (total_in_flight_ == 0 && (!any_ready() || ex_.stopped())) break;
        if (!got) wait();
      }
      RunStats& st = ex_.stats();
      st.bytes_to_workers += bytes_to_;
      st.bytes_from_workers += bytes_from_;
      st.serialise_ms += serialise_ns_ / 1e6;
    }

   private:
    bool slow_tasks() const { return completed_ > 0 && run_ns_ / completed_ > kShortTaskUs * 1e3; }

    bool any_ready() const {
      return next_root_ < ex_.roots().size() ||
             std::any_of(own_.begin(), own_.end(), [](const auto& o) { return !o.empty(); });
    }

    // Where worker w's next task comes from: its own stack's top, the next root, or the bottom
    // (oldest) of the first other stack that has tasks; none when nothing is ready.
    struct Pick {
      NodeId n;
      std::deque<NodeId>* stack;  // nullptr: a root
      bool top;
    };
    std::optional<Pick> pick_for(unsigned w) {
      if (!own_[w].empty()) return Pick{own_[w].back(), &own_[w], true};
      if (next_root_ < ex_.roots().size()) return Pick{ex_.roots()[next_root_], nullptr, false};
      for (auto& other : own_) {
        if (!other.empty()) return Pick{other.front(), &other, false};
      }
      return std::nullopt;
    }
    void taken(const Pick& p) {
      if (!p.stack)
        ++next_root_;
      else if (p.top)
        p.stack->pop_back();
      else
        p.stack->pop_front();
    }

    void dispatch() {
      if (chunk_ > 1) return dispatch_chunks();
      for (;;) {
        unsigned best = 0;
        for (unsigned w = 1; w < in_flight_.size(); ++w) {
          const auto key = [&](unsigned v) {
            return std::pair(in_flight_[v].size(), own_[v].empty());
          };
          if (key(w) < key(best)) best = w;
        }
        std::optional<Pick> p = pick_for(best);
        if (!p) return;
        const bool greedy = ex_.graph().options(p->n).sleep_us > 0 || slow_tasks();
        if (in_flight_[best].size() >= (greedy ? 1u : kMaxBatch)) return;
        if (!hand_out(best, *p)) return;
      }
    }

    // --chunksize (Dask's batching): a worker with nothing in flight gets up to chunk_ tasks at
    // once; their results count when the last of them is back (handle_response holds them).
    void dispatch_chunks() {
      for (unsigned w = 0; w < in_flight_.size(); ++w) {
        if (!in_flight_[w].empty()) continue;
        for (unsigned k = 0; k < chunk_; ++k) {
          std::optional<Pick> p = pick_for(w);
          if (!p) return;
          if (!hand_out(w, *p)) {
            if (ex_.stopped()) return;
            break;  // its ring is full: the next worker may still take a chunk
          }
        }
      }
    }

    // Sends p's task to worker w; false when dispatching must wait (its ring is full) or stop.
    bool hand_out(unsigned w, const Pick& p) {
      const NodeId n = p.n;
      try {
        if (!send(w, n)) return false;  // ring full: try again after collecting
      } catch (const CodecError& e) {
        taken(p);
        ex_.fail_task(n, fmt::format("cannot send the arguments to a worker: {}", e.what()));
        return false;
      } catch (const std::exception& e) {
        taken(p);
        ex_.fail_infrastructure(e.what());
        return false;
      }
      taken(p);
      if (in_flight_[w].empty()) ex_.task_began(w, n);
      in_flight_[w].push_back(n);
      ++total_in_flight_;
      to_ring_.push_back(w);
      return true;
    }

    bool send(unsigned w, NodeId n) {
      const Graph& g = ex_.graph();
      const Op& op = *g.op(n);
      const int64_t t0 = ns_since_epoch(Clock::now());
      ex_.gather_args(n, args_);
      Value list(
          List(std::make_move_iterator(args_.begin()), std::make_move_iterator(args_.end())));
      args_.clear();
      const size_t size = encoded_size(list);
      std::string& header = header_;
      Writer(header)
          .put(static_cast<uint8_t>(RequestType::task))
          .put(n)
          .put(op.id)
          .put(g.options(n).sleep_us)
          .put(static_cast<uint8_t>(static_cast<uint8_t>(g.options(n).lock) |
                                    (ex_.locks().gil ? kGilBit : 0)))
          .put_string(op.name);
      bool sent = post(
          pool_.channel(w).requests, header.size(), [&] { return std::string_view(header); }, size,
          [&](char* dst) { encode_into(list, dst); }, pool_.to_worker(w));
      if (sent) {
        bytes_to_ += size;
        serialise_ns_ += ns_since_epoch(Clock::now()) - t0;
      }
      flush_bells();
      return sent;
    }

    // Workers are rung once per dispatch round, not once per task.
    void flush_bells() {
      for (unsigned w : to_ring_) pool_.channel(w).area->bell.ring();
      to_ring_.clear();
    }

    bool collect(std::vector<NodeId>& became_ready) {
      flush_bells();
      bool got = false;
      for (unsigned w = 0; w < in_flight_.size(); ++w) {
        Ring& ring = pool_.channel(w).responses;
        for (std::span<const char> m = ring.peek(); !m.empty(); m = ring.peek()) {
          got = true;
          handle_response(w, {m.data(), m.size()}, became_ready);
          ring.pop();
        }
      }
      return got;
    }

    void handle_response(unsigned w, std::string_view message, std::vector<NodeId>& became_ready) {
      Reader in(message);
      auto type = static_cast<ResponseType>(in.get<uint8_t>());
      auto n = in.get<uint32_t>();
      auto start = in.get<int64_t>(), end = in.get<int64_t>(), worker_serialise = in.get<int64_t>();
      auto lock_wait = in.get<int64_t>(), gil_wait = in.get<int64_t>();
      const TaskEvent ran{
          n, w, pool_.pid(w), from_ns(start), from_ns(end), false, lock_wait / 1e6, gil_wait / 1e6};
      const int64_t t0 = ns_since_epoch(Clock::now());
      Segment holder;
      std::string_view payload = receive_payload(in, holder, pool_.from_worker(w));
      // A worker already declared dead (its tasks forgotten) may still have answers in its
      // ring: they belong to a failed run and are dropped.
      if (in_flight_[w].empty()) return;
      in_flight_[w].pop_front();
      --total_in_flight_;
      if (in_flight_[w].empty())
        ex_.worker_idle(w);
      else
        ex_.task_began(w, in_flight_[w].front());
      serialise_ns_ += worker_serialise;
      if (type == ResponseType::lock_owner_died) {
        // Another worker died holding the lock: report that death, the cause, which the
        // kernel may not have made reapable yet (an abort may still be writing a core dump).
        // (A broken pool has already reported it.)
        if (pool_.broken()) return;
        if (auto death = await_death(std::chrono::seconds(2))) {
          fail_on_death(*death);
          return;
        }
      }
      if (type != ResponseType::ok) {
        if (type == ResponseType::task_error)
          ex_.task_failed(ran, std::string(payload));
        else
          ex_.fail_infrastructure(fmt::format("worker {} (pid {}) while running task '{}': {}", w,
                                              pool_.pid(w), ex_.graph().key(n), payload));
        return;
      }
      bytes_from_ += payload.size();
      Value result = decode(payload);
      serialise_ns_ += ns_since_epoch(Clock::now()) - t0;
      ++completed_;
      run_ns_ += static_cast<double>(end - start);
      if (chunk_ > 1) {  // a chunk's results count together, when its last is back
        held_[w].emplace_back(ran, std::move(result));
        if (!in_flight_[w].empty()) return;
        for (auto& [done, value] : held_[w]) {
          became_ready.clear();
          ex_.task_ran(done, std::move(value), became_ready);
          own_[w].insert(own_[w].end(), became_ready.begin(), became_ready.end());
        }
        held_[w].clear();
        return;
      }
      became_ready.clear();
      ex_.task_ran(ran, std::move(result), became_ready);
      // Newest on top, the first one made ready on the very top: this worker's next task.
      if (!became_ready.empty()) {
        own_[w].insert(own_[w].end(), became_ready.begin() + 1, became_ready.end());
        own_[w].push_back(became_ready[0]);
      }
    }

    void wait() {
      // Spin for a while: in a chain the answer is usually a microsecond away. Yield while a
      // worker we wait for shares this CPU: it cannot answer while we spin (see spin.hpp).
      std::atomic<int32_t>& my_cpu = pool_.header().parent_cpu;
      auto any_here = [&] {
        const int32_t cpu = my_cpu.load(std::memory_order_relaxed);
        for (unsigned w = 0; w < in_flight_.size(); ++w) {
          if (!in_flight_[w].empty() &&
              pool_.channel(w).area->cpu.load(std::memory_order_relaxed) == cpu)
            return true;
        }
        return false;
      };
      if (spin_for_peer([&] { return any_response(); }, any_here, my_cpu)) return;
      pool_.header().parent_bell.wait([&] { return any_response(); }, kLivenessCheckUs);
      if (auto death = pool_.check_workers()) fail_on_death(*death);
      if (Clock::now() - last_state_check_ > kStateCheck) check_responsive();
    }

    // A worker with work that has been stopped since the last look, for kUnresponsive in all, is
    // killed and reported like a dead one.
    void check_responsive() {
      last_state_check_ = Clock::now();
      for (unsigned w = 0; w < in_flight_.size(); ++w) {
        auto& since = not_running_since_[w];
        const char state = in_flight_[w].empty() ? 0 : read_proc_stat(pool_.pid(w)).state;
        if (state != 'T') {
          since.reset();
          continue;
        }
        if (!since) since = last_state_check_;
        if (last_state_check_ - *since < kUnresponsive) continue;
        pool_.kill(w);
        fail_on_death(
            {w, pool_.pid(w),
             fmt::format("was stopped (state T, e.g. by SIGSTOP) for {} s and has been "
                         "killed",
                         std::chrono::duration_cast<std::chrono::seconds>(kUnresponsive).count())});
      }
    }

    // The run has stopped: tasks still in flight will not be used. Their workers are told to
    // stop rather than waited for, and the pool is replaced before the next run.
    void abandon_in_flight() {
      for (unsigned w = 0; w < in_flight_.size(); ++w) {
        if (in_flight_[w].empty()) continue;
        pool_.terminate(w);
        total_in_flight_ -= in_flight_[w].size();
        in_flight_[w].clear();
        ex_.worker_idle(w);
      }
    }

    bool any_response() {
      for (unsigned w = 0; w < in_flight_.size(); ++w) {
        if (!pool_.channel(w).responses.empty()) return true;
      }
      return false;
    }

    void fail_on_death(const WorkerPool::Death& d) {
      std::string task = "no task";
      if (!in_flight_[d.worker].empty()) {
        NodeId n = in_flight_[d.worker].front();
        task = fmt::format("task '{}' (op {})", ex_.graph().key(n), ex_.graph().op(n)->name);
      }
      ex_.fail_infrastructure(
          fmt::format("worker {} (pid {}) {} while running {}", d.worker, d.pid, d.how, task));
      // Its tasks will never answer: forget them (the other workers' tasks are abandoned next).
      total_in_flight_ -= in_flight_[d.worker].size();
      in_flight_[d.worker].clear();
      ex_.worker_idle(d.worker);
    }

    std::optional<WorkerPool::Death> await_death(Clock::duration patience) {
      const auto deadline = Clock::now() + patience;
      for (;;) {
        if (auto death = pool_.check_workers()) return death;
        if (Clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }

    WorkerPool& pool_;
    Execution& ex_;
    std::vector<std::deque<NodeId>> own_;  // each worker's stack of ready tasks, top at the back
    const unsigned chunk_;
    std::vector<std::vector<std::pair<TaskEvent, Value>>> held_;  // chunk_ > 1: results back
    size_t next_root_ = 0;
    std::vector<std::deque<NodeId>> in_flight_;
    std::vector<std::optional<Clock::time_point>> not_running_since_;
    Clock::time_point last_state_check_ = Clock::now();
    size_t total_in_flight_ = 0;
    std::vector<unsigned> to_ring_;
    std::vector<Value> args_;
    std::string header_;
    uint64_t bytes_to_ = 0, bytes_from_ = 0, completed_ = 0;
    double run_ns_ = 0;
    int64_t serialise_ns_ = 0;
  };

  unsigned workers_;
  bool fresh_;
  unsigned chunksize_;
  bool fresh_due_ = false;
  std::unique_ptr<WorkerPool> pool_;
};

}  // namespace
}  // namespace processes

std::unique_ptr<Scheduler> make_processes_scheduler(unsigned workers, bool fresh_pool,
                                                    unsigned chunksize) {
  return std::make_unique<processes::ProcessesScheduler>(workers, fresh_pool, chunksize);
}

void remove_processes_segments() {
  processes::remove_segments_with_prefix(
      fmt::format("{}{}-", processes::kShmPrefix, static_cast<int>(getpid())));
}

}  // namespace schedlab
