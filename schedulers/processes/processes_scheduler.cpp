// processes: tasks run in a pool of worker processes; arguments and results travel as encoded
// values through shared memory. The parent does all the bookkeeping (the scheduling core's
// split path: gather_args, then complete or fail); workers only run ops.
//
// Which task goes to which worker, batching and --chunksize are the remote dispatcher's
// (remote/dispatcher.hpp), with the work-first policy, as Dask's local scheduler uses one policy
// for its threads and its processes; this file is the transport: rings in shared memory and a
// bell per worker. Faults: while waiting, the parent reaps exited
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
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "schedlab/core/value_codec.hpp"
#include "schedlab/schedulers/clock_ns.hpp"
#include "schedlab/schedulers/proc_stat.hpp"
#include "schedlab/schedulers/processes/pool.hpp"
#include "schedlab/schedulers/processes/spin.hpp"
#include "schedlab/schedulers/processes/transfer.hpp"
#include "schedlab/schedulers/remote/dispatcher.hpp"
#include "schedlab/schedulers/remote/task_messages.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {
namespace processes {
namespace {

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

  // One run: how tasks reach this pool's workers and their answers come back; the dispatcher
  // decides which task goes where.
  class Run final : public remote::Transport {
   public:
    Run(ProcessesScheduler& s, Execution& ex)
        : pool_(*s.pool_),
          ex_(ex),
          not_running_since_(s.workers_),
          d_(ex, *this,
             {.workers = s.workers_, .chunk = s.chunksize_, .policy = remote::Policy::work_first}) {
      publish_cpu(pool_.header().parent_cpu);  // before the first tasks are rung
    }

    void loop() { d_.run(); }

   private:
    Sent send(unsigned w, NodeId n) override {
      const int64_t t0 = ns_since_epoch(Clock::now());
      ex_.gather_args(n, args_);
      Value list(
          List(std::make_move_iterator(args_.begin()), std::make_move_iterator(args_.end())));
      args_.clear();
      const size_t size = encoded_size(list);
      std::string& header = header_;
      Writer out(header);
      out.put(static_cast<uint8_t>(RequestType::task));
      remote::put_request(out, ex_.graph(), n, ex_.locks().gil, ex_.observed());
      int64_t encoded_at = 0;  // before the message is posted: the worker may start at once
      const bool sent = post(
          pool_.channel(w).requests, header.size(), [&] { return std::string_view(header); }, size,
          [&](char* dst) {
            encode_into(list, dst);
            encoded_at = now_ns();
          },
          pool_.to_worker(w));
      // The workers given tasks before this one are rung now: the first of a batch starts while
      // the parent writes the rest, and finds this one there too.
      flush();
      if (!sent) return Sent::full;  // its ring is full: try again after collecting
      d_.transfer().to_workers += size;
      d_.serialised(SpanEvent::Kind::encode, n, t0, encoded_at);
      to_ring_.push_back(w);
      return Sent::now;
    }

    // Rings the workers given tasks since the last ring (a ring wakes a worker that sleeps; one
    // that is busy finds the tasks without it).
    void flush() override {
      for (unsigned w : to_ring_) pool_.channel(w).area->bell.ring();
      to_ring_.clear();
    }

    bool collect() override {
      publish_cpu(pool_.header().parent_cpu);  // for workers deciding whether to spin
      flush();
      bool got = false;
      for (unsigned w = 0; w < pool_.size(); ++w) {
        Ring& ring = pool_.channel(w).responses;
        for (std::span<const char> m = ring.peek(); !m.empty(); m = ring.peek()) {
          got = true;
          handle_response(w, {m.data(), m.size()});
          ring.pop();
        }
      }
      return got;
    }

    void handle_response(unsigned w, std::string_view message) {
      Reader in(message);
      const remote::OutcomeHeader outcome = remote::get_outcome(in);
      const NodeId n = outcome.node;
      const TaskEvent ran = outcome.event(w, pool_.pid(w));
      const int64_t t0 = ns_since_epoch(Clock::now());
      Segment holder;
      std::string_view payload = receive_payload(in, holder, pool_.from_worker(w));
      // A worker already declared dead (its tasks forgotten) may still have answers in its
      // ring: they belong to a failed run and are dropped.
      if (!d_.returned(w, n)) return;
      d_.serialised_by_worker(outcome, w);
      if (outcome.type == remote::OutcomeType::lock_owner_died) {
        // Another worker died holding the lock: report that death, the cause, which the
        // kernel may not have made reapable yet (an abort may still be writing a core dump).
        // (A broken pool has already reported it.)
        if (pool_.broken()) return;
        if (auto death = await_death(std::chrono::seconds(2))) {
          fail_on_death(*death);
          return;
        }
      }
      if (outcome.type != remote::OutcomeType::ok) {
        if (outcome.type == remote::OutcomeType::task_error)
          ex_.task_failed(ran, std::string(payload));
        else
          ex_.fail_infrastructure(fmt::format("worker {} (pid {}) while running task '{}': {}", w,
                                              pool_.pid(w), ex_.graph().key(n), payload));
        return;
      }
      d_.transfer().from_workers += payload.size();
      Value result = decode(payload);
      d_.serialised(SpanEvent::Kind::decode, n, t0);
      d_.ran(w, ran, std::move(result));
    }

    void wait() override {
      // Spin for a while: in a chain the answer is usually a microsecond away. Yield while a
      // worker we wait for shares this CPU: it cannot answer while we spin (see spin.hpp).
      std::atomic<int32_t>& my_cpu = pool_.header().parent_cpu;
      auto any_here = [&] {
        const int32_t cpu = my_cpu.load(std::memory_order_relaxed);
        for (unsigned w = 0; w < pool_.size(); ++w) {
          if (!d_.in_flight(w).empty() &&
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
      for (unsigned w = 0; w < pool_.size(); ++w) {
        auto& since = not_running_since_[w];
        const char state = d_.in_flight(w).empty() ? 0 : read_proc_stat(pool_.pid(w)).state;
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

    // The run has stopped: worker w's tasks in flight will not be used. It is told to stop
    // rather than waited for, and the pool is replaced before the next run.
    void abandon(unsigned w) override { pool_.terminate(w); }

    bool any_response() {
      for (unsigned w = 0; w < pool_.size(); ++w) {
        if (!pool_.channel(w).responses.empty()) return true;
      }
      return false;
    }

    void fail_on_death(const WorkerPool::Death& d) {
      ex_.fail_infrastructure(fmt::format("worker {} (pid {}) {} while running {}", d.worker, d.pid,
                                          d.how, d_.running_on(d.worker)));
      // Its tasks will never answer (the other workers' tasks are abandoned next).
      d_.forget(d.worker);
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
    std::vector<std::optional<Clock::time_point>> not_running_since_;
    Clock::time_point last_state_check_ = Clock::now();
    std::vector<unsigned> to_ring_;
    std::vector<Value> args_;
    std::string header_;
    remote::Dispatcher d_;  // last: it is given this transport
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
