// threads: a pool of worker threads, started once and reused across computes.
//
// The calling thread works too, as worker 0, so `workers` N means N-1 pool threads and a run
// on one worker never hands anything to another thread.
//
// The per-task path is lean:
// - A task that makes successors ready runs the first of them itself, at once, with no queue
//   and no lock (a chain runs entirely in one thread). Only the others go to its own queue.
// - Roots are handed out from one array by an atomic cursor, in chunks that shrink as the
//   array empties (like OpenMP's guided schedule): large chunks for 100,000 tiny roots, single
//   roots when there are few and they may be slow.
// - Idle workers steal the oldest task from another worker's queue.
// - Termination: `outstanding_` counts tasks queued or running. Increments (new queued tasks)
//   are published at once; decrements are batched per worker and flushed when the worker runs
//   out of work, so a worker busy with a long stretch of tasks touches no shared counter.
// Each queue is a deque under a spinlock that only its owner and occasional thieves take.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>

#include "schedlab/schedulers/cpu_relax.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {
namespace {

class SpinLock {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) cpu_relax();
    }
  }
  bool try_lock() {
    return !flag_.load(std::memory_order_relaxed) &&
           !flag_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

class ThreadsScheduler final : public InProcessScheduler {
 public:
  explicit ThreadsScheduler(unsigned workers) : workers_(workers), state_(workers) {
    try {
      for (unsigned w = 1; w < workers_; ++w) threads_.emplace_back([this, w] { thread_main(w); });
    } catch (const std::system_error&) {
      // The threads already started wait on start_cv_: stop and join them before the members
      // they use are destroyed. The registry reports what ran out (exit 3).
      stop_threads();
      throw;
    }
  }

  ~ThreadsScheduler() override { stop_threads(); }

  unsigned workers() const override { return workers_; }

  void run_job(Job& job) override {
    std::span<const NodeId> roots = job.roots();
    if (roots.empty()) return;
    job_ = &job;
    roots_ = roots;
    root_cursor_.store(0, std::memory_order_relaxed);
    outstanding_.store(static_cast<int64_t>(roots.size()), std::memory_order_relaxed);
    for (Worker& w : state_) w.root_begin = w.root_end = 0;
    {
      std::lock_guard lock(mutex_);
      active_ = workers_ - 1;
      ++run_epoch_;
    }
    start_cv_.notify_all();
    work(0);
    std::unique_lock lock(mutex_);
    done_cv_.wait(lock, [this] { return active_ == 0; });
    job_ = nullptr;
  }

 private:
  void stop_threads() {
    {
      std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    start_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  struct alignas(64) Worker {
    SpinLock lock;
    std::deque<NodeId> queue;
    std::atomic<uint32_t> queued{0};  // queue.size(), readable without the lock
    std::vector<NodeId> ready;
    size_t root_begin = 0, root_end = 0;  // this worker's current chunk of roots
  };

  void thread_main(unsigned w) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        start_cv_.wait(lock, [&] { return shutdown_ || run_epoch_ != seen; });
        if (shutdown_) return;
        seen = run_epoch_;
      }
      work(w);
      std::lock_guard lock(mutex_);
      if (--active_ == 0) done_cv_.notify_one();
    }
  }

  // Finds the next task for worker w: its own newest, then its roots, then a steal.
  bool next(unsigned w, NodeId& n) {
    Worker& me = state_[w];
    if (me.queued.load(std::memory_order_relaxed) > 0) {
      std::lock_guard lock(me.lock);
      if (!me.queue.empty()) {
        n = me.queue.back();
        me.queue.pop_back();
        me.queued.store(static_cast<uint32_t>(me.queue.size()), std::memory_order_relaxed);
        return true;
      }
    }
    if (me.root_begin < me.root_end) {
      n = roots_[me.root_begin++];
      return true;
    }
    size_t size = roots_.size();
    size_t cursor = root_cursor_.load(std::memory_order_relaxed);
    if (cursor < size) {
      size_t chunk = std::clamp<size_t>((size - cursor) / (8 * size_t{workers_}), 1, 1024);
      size_t begin = root_cursor_.fetch_add(chunk, std::memory_order_relaxed);
      if (begin < size) {
        me.root_begin = begin + 1;
        me.root_end = std::min(begin + chunk, size);
        n = roots_[begin];
        return true;
      }
    }
    for (unsigned i = 1; i < workers_; ++i) {
      Worker& victim = state_[(w + i) % workers_];
      if (victim.queued.load(std::memory_order_relaxed) == 0 || !victim.lock.try_lock()) continue;
      bool got = !victim.queue.empty();
      if (got) {
        n = victim.queue.front();
        victim.queue.pop_front();
        victim.queued.store(static_cast<uint32_t>(victim.queue.size()), std::memory_order_relaxed);
      }
      victim.lock.unlock();
      if (got) return true;
    }
    return false;
  }

  bool work_visible() const {
    if (root_cursor_.load(std::memory_order_relaxed) < roots_.size()) return true;
    for (const Worker& v : state_) {
      if (v.queued.load(std::memory_order_relaxed) > 0) return true;
    }
    return false;
  }

  void work(unsigned w) {
    Job& job = *job_;
    Worker& me = state_[w];
    int64_t done = 0;  // finished tasks not yet subtracted from outstanding_
    unsigned idle_spins = 0;
    for (;;) {
      NodeId n;
      if (!next(w, n)) {
        if (done) {
          if (outstanding_.fetch_sub(done, std::memory_order_acq_rel) == done) wake_all();
          done = 0;
        }
        if (outstanding_.load(std::memory_order_acquire) == 0) return;
        idle(idle_spins++);
        continue;
      }
      idle_spins = 0;
      for (;;) {
        if (job.stopped()) {  // drain without running: nothing new starts after a failure
          ++done;
          break;
        }
        me.ready.clear();
        job.run(n, w, me.ready);
        size_t k = me.ready.size();
        if (k == 0) {
          ++done;
          break;
        }
        if (k > 1) push(me, k);
        n = me.ready[0];  // run the first ready successor ourselves, right now
      }
    }
  }

  void push(Worker& me, size_t k) {
    outstanding_.fetch_add(static_cast<int64_t>(k - 1), std::memory_order_relaxed);
    {
      std::lock_guard lock(me.lock);
      me.queue.insert(me.queue.end(), me.ready.begin() + 1, me.ready.end());
      me.queued.store(static_cast<uint32_t>(me.queue.size()), std::memory_order_relaxed);
    }
    // Pairs with the fence in idle(): either the sleeper sees the work, or we see the sleeper.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_relaxed) > 0) wake_all();
  }

  void idle(unsigned spins) {
    if (spins < 64) {
      cpu_relax();
      return;
    }
    if (spins < 128) {
      std::this_thread::yield();
      return;
    }
    std::unique_lock lock(idle_mutex_);
    sleepers_.fetch_add(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!work_visible() && outstanding_.load(std::memory_order_acquire) != 0) {
      // The timeout is a safety net only; wake_all() is what normally ends the wait.
      idle_cv_.wait_for(lock, std::chrono::milliseconds(2));
    }
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
  }

  void wake_all() {
    { std::lock_guard lock(idle_mutex_); }
    idle_cv_.notify_all();
  }

  const unsigned workers_;
  std::vector<Worker> state_;
  std::vector<std::thread> threads_;

  // The current run; written by the caller before run_epoch_ is bumped under mutex_.
  Job* job_ = nullptr;
  std::span<const NodeId> roots_;
  alignas(64) std::atomic<size_t> root_cursor_{0};
  alignas(64) std::atomic<int64_t> outstanding_{0};
  alignas(64) std::atomic<uint32_t> sleepers_{0};

  std::mutex mutex_;  // guards run_epoch_, active_, shutdown_
  std::condition_variable start_cv_, done_cv_;
  uint64_t run_epoch_ = 0;
  unsigned active_ = 0;
  bool shutdown_ = false;

  std::mutex idle_mutex_;
  std::condition_variable idle_cv_;
};

}  // namespace

std::unique_ptr<Scheduler> make_threads_scheduler(unsigned workers) {
  return std::make_unique<ThreadsScheduler>(workers);
}

}  // namespace schedlab
