// WorkerPool: `workers` forked worker processes and the shared segment they talk through.
//
// Fork, not fork+exec: a forked worker has the parent's op registry, including the ops a user
// program registered in C++, which a freshly exec'ed binary would not know. The price is that
// ops registered after the fork are unknown to the workers; the scheduler notices (the
// registry only grows) and restarts the pool before such a run. Workers die with the parent
// (PR_SET_PDEATHSIG), ignore Ctrl-C (the parent stops the run and then them), and leave with
// _exit. Every segment is named after the parent's pid and the pool, so the pool removes all
// of them by prefix, and a later run removes those whose owner is dead. The pool's own segment
// loses its name as soon as the workers are forked (they inherit the mapping), so a SIGKILLed
// parent leaves at most the large payloads in transit behind.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "schedlab/schedulers/processes/protocol.hpp"
#include "schedlab/schedulers/processes/shm.hpp"
#include "schedlab/schedulers/processes/transfer.hpp"

namespace schedlab::processes {

void worker_main(char* segment, unsigned index, pid_t parent, const std::string& ool_prefix);

class WorkerPool {
 public:
  explicit WorkerPool(unsigned workers);
  ~WorkerPool();  // stops workers (asks, then kills), reaps them, removes every segment
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(pids_.size()); }
  pid_t pid(unsigned w) const { return pids_[w]; }
  WorkerChannel& channel(unsigned w) { return channels_[w]; }
  PoolHeader& header() { return *reinterpret_cast<PoolHeader*>(segment_.data()); }
  size_t ops_at_start() const { return ops_at_start_; }
  const std::string& prefix() const { return prefix_; }  // of every segment the pool makes
  // The parent's end of the large-payload buffers of worker w.
  BigBuffer& to_worker(unsigned w) { return to_workers_[w]; }
  BigMapping& from_worker(unsigned w) { return from_workers_[w]; }

  // Reaps any worker that has exited. Returns how the first one died ("was killed by signal 9
  // (Killed)"), with its index, or nothing if all are alive.
  struct Death {
    unsigned worker;
    pid_t pid;
    std::string how;
  };
  std::optional<Death> check_workers();
  bool broken() const { return broken_; }
  // Tells worker w to stop now (SIGTERM, whatever it is doing); the pool is replaced before the
  // next run, and its shutdown kills what did not go.
  void terminate(unsigned w);
  void kill(unsigned w);  // SIGKILL: for a worker that cannot act on SIGTERM (a stopped one)

 private:
  void stop();

  std::string prefix_;  // "schedlab-<pid>-<nonce>-<pool>-"
  Segment segment_;
  std::vector<WorkerChannel> channels_;
  std::vector<BigBuffer> to_workers_;
  std::vector<BigMapping> from_workers_;
  std::vector<pid_t> pids_;  // written by keeper_ before the constructor returns
  std::vector<bool> reaped_;
  std::thread keeper_;  // forked the workers; lives until they are gone (see pool.cpp)
  std::mutex keeper_mutex_;
  std::condition_variable keeper_cv_;
  bool release_keeper_ = false;
  size_t ops_at_start_ = 0;
  bool broken_ = false;
};

}  // namespace schedlab::processes
