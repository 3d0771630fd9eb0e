// A scheduler of your own, as a scheduler engineer would write one outside schedlab: a pool of
// threads taking ready tasks from one queue under one lock, oldest first. Simple and fair, and
// its lock is what schedlab's `threads` (a deque per worker) avoids: compare them with
// `run -s gq -s threads`.
#include "global_queue.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace {

class GlobalQueueScheduler final : public schedlab::InProcessScheduler {
 public:
  explicit GlobalQueueScheduler(unsigned workers)
      : workers_(workers ? workers : std::max(1u, std::thread::hardware_concurrency())) {}

  unsigned workers() const override { return workers_; }

  // Runs until no task is queued and no worker holds one (every task ran), or the job stops
  // (a task failed, a timeout, Ctrl-C): then the workers leave whatever is still queued.
  void run_job(schedlab::Job& job) override {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<schedlab::NodeId> queue(job.roots().begin(), job.roots().end());
    unsigned busy = 0;
    auto work = [&](unsigned worker) {
      std::vector<schedlab::NodeId> ready;
      std::unique_lock lock(mutex);
      for (;;) {
        changed.wait(lock, [&] { return !queue.empty() || busy == 0 || job.stopped(); });
        if (queue.empty() || job.stopped()) break;  // all done, or stopped
        schedlab::NodeId task = queue.front();
        queue.pop_front();
        ++busy;
        lock.unlock();
        ready.clear();
        job.run(task, worker, ready);  // never throws; a failure makes job.stopped() true
        lock.lock();
        --busy;
        queue.insert(queue.end(), ready.begin(), ready.end());
        changed.notify_all();
      }
      changed.notify_all();
    };
    std::vector<std::jthread> threads;
    for (unsigned w = 1; w < workers_; ++w) threads.emplace_back(work, w);
    work(0);  // the calling thread is worker 0
  }

 private:
  unsigned workers_;
};

}  // namespace

void register_global_queue_scheduler() {
  schedlab::SchedulerTraits traits;
  traits.policy = schedlab::Policy::fifo;  // the oldest ready task first: what predict simulates
  schedlab::SchedulerRegistry::global().add({
      .name = "gq",
      .aliases = {"global-queue"},
      .description = "a pool of threads sharing one queue under one lock (examples/own_scheduler)",
      .traits = traits,
      .make = [](const schedlab::SchedulerConfig& config) -> std::unique_ptr<schedlab::Scheduler> {
        return std::make_unique<GlobalQueueScheduler>(config.workers);
      },
  });
}
