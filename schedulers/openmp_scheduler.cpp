// openmp: ready tasks run as OpenMP tasks inside one parallel region of `workers` threads.
//
// Successors are released with the scheduling core's atomic dependency counters, not with
// `depend` clauses (about 500 ns a task here): whoever finishes a task runs the first ready
// successor itself, in a loop, and spawns an OpenMP task for each of the others. An exception
// must never leave an OpenMP task (the runtime would terminate the process); Job::run never
// throws, so none can.
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {
namespace {

// libgomp ends the process with exit(1) when it cannot create a thread for a parallel region
// (gomp_fatal), which would read as "a task failed". While a region runs on our behalf, an
// exit() is such a runtime failure: report it as the infrastructure failure it is (exit 3).
std::atomic<bool> g_in_region{false};

extern "C" void exit_from_openmp_runtime() {
  if (!g_in_region.load()) return;
  static const char message[] =
      "schedlab: error: the OpenMP runtime stopped the process inside a parallel region (see its "
      "message above; usually it could not create a thread: check `ulimit -u` and `ulimit -v`, "
      "or use fewer --workers)\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, message, sizeof message - 1);
  _exit(3);
}

class OpenMPScheduler final : public InProcessScheduler {
 public:
  // Every parallel region runs on one thread of ours, whatever thread calls compute: OpenMP
  // runtimes handle one long-lived initial thread well, but several short-lived ones taking
  // turns trip libomp's task-memory bookkeeping (an assertion in kmp_alloc.cpp).
  explicit OpenMPScheduler(unsigned workers) : workers_(workers), host_([this] { host(); }) {
    static std::once_flag once;
    std::call_once(once, [] { std::atexit(exit_from_openmp_runtime); });
  }

  ~OpenMPScheduler() override {
    {
      std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    wake_.notify_all();
    host_.join();
  }

  unsigned workers() const override { return workers_; }

  void run_job(Job& job) override {
    std::unique_lock lock(mutex_);
    job_ = &job;
    wake_.notify_all();
    wake_.wait(lock, [this] { return job_ == nullptr; });
  }

 private:
  void host() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return shutdown_ || job_ != nullptr; });
      if (shutdown_) return;
      lock.unlock();
      g_in_region.store(true);
      region(*job_);
      g_in_region.store(false);
      lock.lock();
      job_ = nullptr;
      wake_.notify_all();
    }
  }

  void region(Job& job) {
    const std::span<const NodeId> roots = job.roots();
    // Roots go to OpenMP in chunks, at least 8 a worker: an OpenMP task per root cost libgomp's
    // queue lock and an allocation each (100,000 roots of a fan-in: 632 ns a task, 2.6x raw
    // OpenMP's own loop). Graphs of up to 16 roots a worker keep one task per root, the order
    // the predictor simulates.
    const size_t chunk = std::clamp<size_t>(roots.size() / (8 * size_t{workers_}), 1, 1024);
    omp_set_dynamic(0);  // exactly `workers` threads, so worker ids are 0..workers-1
#pragma omp parallel num_threads(workers_)
#pragma omp single
    for (size_t begin = 0; begin < roots.size(); begin += chunk) {
      if (job.stopped()) break;
      const size_t end = std::min(begin + chunk, roots.size());
#pragma omp task firstprivate(begin, end) shared(job, roots)
      for (size_t i = begin; i < end; ++i) run_from(job, roots[i]);
    }
    // The implicit barrier at the end of the region has waited for every task.
  }

 private:
  // noexcept: only allocation can throw here, and then ending the process is all that is left.
  void run_from(Job& job, NodeId n) noexcept {
    // The runtime may run a spawned task at once, on this thread, inside the loop below, so
    // each nesting level needs its own list; kept per thread so that none is allocated per task.
    thread_local std::deque<std::vector<NodeId>> lists;  // deque: growing keeps references
    thread_local size_t depth = 0;
    if (lists.size() <= depth) lists.resize(depth + 1);
    std::vector<NodeId>& ready = lists[depth];
    struct Nest {
      size_t& d;
      ~Nest() { --d; }
    } nest{++depth};
    const auto worker = static_cast<unsigned>(omp_get_thread_num());
    for (;;) {
      if (job.stopped()) return;
      ready.clear();
      job.run(n, worker, ready);
      if (ready.empty()) return;
      for (size_t i = 1; i < ready.size(); ++i) {
        NodeId next = ready[i];
#pragma omp task firstprivate(next) shared(job)
        run_from(job, next);
      }
      n = ready[0];
    }
  }

  const unsigned workers_;
  std::mutex mutex_;  // guards job_ and shutdown_ between callers and the host thread
  std::condition_variable wake_;
  Job* job_ = nullptr;
  bool shutdown_ = false;
  std::thread host_;  // last: started once everything above exists
};

}  // namespace

std::unique_ptr<Scheduler> make_openmp_scheduler(unsigned workers) {
  return std::make_unique<OpenMPScheduler>(workers);
}

}  // namespace schedlab
