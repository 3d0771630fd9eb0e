// Timeouts for one run: `run` for the whole run (--timeout), `task` for each task
// (--task-timeout). A thread of its own looks at the clock a few times per limit (at most every
// 10 ms) and, when a limit passes, calls `expired` once, with the task that was running (for
// the whole-run limit, the one that had been running longest), and stops watching.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "schedlab/core/graph.hpp"
#include "schedlab/schedulers/observer.hpp"

namespace schedlab {

struct Limits {
  std::chrono::nanoseconds run{0}, task{0};  // 0: no limit
  bool any() const { return run.count() > 0 || task.count() > 0; }
};

class Deadlines {
 public:
  static constexpr NodeId kNone = ~NodeId{0};
  // node: the task, or kNone if none was running; whole_run: which limit passed.
  using Expired = std::function<void(NodeId node, bool whole_run, Clock::duration ran)>;

  Deadlines(Limits limits, unsigned workers, Clock::time_point start, Expired expired);
  ~Deadlines();
  Deadlines(const Deadlines&) = delete;
  Deadlines& operator=(const Deadlines&) = delete;

  // Worker w starts task n at t / has no task any more.
  void begin(unsigned w, NodeId n, Clock::time_point t) {
    slots_[w].since_ns.store(t.time_since_epoch().count(), std::memory_order_relaxed);
    slots_[w].node.store(n, std::memory_order_release);
  }
  void end(unsigned w) { slots_[w].node.store(kNone, std::memory_order_relaxed); }

 private:
  void watch();

  // `since` is written before `node` and read after it, so a reader may pair a task with a
  // later start (under-estimating how long it ran), never with an earlier one.
  struct alignas(64) Slot {
    std::atomic<NodeId> node{kNone};
    std::atomic<Clock::rep> since_ns{0};
  };
  Limits limits_;
  std::unique_ptr<Slot[]> slots_;
  unsigned workers_;
  Clock::time_point start_;
  Expired expired_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace schedlab
