// A task_group in a task_arena of --workers threads. Each task runs its first newly ready
// successor itself and hands the others to the group; TBB's work stealing does the rest. TBB
// promises no order among the tasks of a group, so neither does this scheduler's policy.
#include "schedlab/plugins/tbb_scheduler.hpp"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::plugins {
namespace {

// An arena gets its threads from oneTBB's one pool, sized to the cores unless told: `-w 4` on
// 2 cores would run on 2 threads. One control for the process (oneTBB applies the smallest of
// those alive), replaced by a larger one when a scheduler asks for more.
void allow_threads(unsigned threads) {
  static std::mutex mutex;
  static std::unique_ptr<tbb::global_control> control;
  static unsigned allowed = 0;
  std::lock_guard lock(mutex);
  if (threads <= allowed) return;
  control.reset();
  control =
      std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
  allowed = threads;
}

class TbbScheduler final : public InProcessScheduler {
 public:
  explicit TbbScheduler(unsigned workers)
      : workers_(workers ? workers : std::max(1u, std::thread::hardware_concurrency())),
        arena_((allow_threads(workers_), static_cast<int>(workers_))) {}

  unsigned workers() const override { return workers_; }

  void run_job(Job& job) override {
    arena_.execute([&] {
      tbb::task_group group;
      Chain chain{job, group};
      for (NodeId root : job.roots()) group.run([chain, root] { chain(root); });
      group.wait();
    });
  }

 private:
  // Runs n, then on along the first successor it made ready; the others go to the group.
  struct Chain {
    Job& job;
    tbb::task_group& group;
    void operator()(NodeId n) const {
      std::vector<NodeId> ready;  // not thread_local: a task may wait in a nested group
      for (;;) {
        if (job.stopped()) return;
        ready.clear();
        // The arena's slots are numbered 0 to workers - 1: schedlab's worker numbers.
        job.run(n, static_cast<unsigned>(tbb::this_task_arena::current_thread_index()), ready);
        if (ready.empty()) return;
        for (size_t i = 1; i < ready.size(); ++i) {
          group.run([chain = *this, s = ready[i]] { chain(s); });
        }
        n = ready.front();
      }
    }
  };

  unsigned workers_;
  tbb::task_arena arena_;
};

}  // namespace

void register_tbb_scheduler() {
  SchedulerTraits traits;
  traits.policy = Policy::unspecified;  // a task_group's tasks run in whatever order TBB picks
  traits.classroom = false;             // a reference for scheduler engineers, not a lesson
  SchedulerRegistry::global().add({
      .name = "tbb",
      .aliases = {"onetbb"},
      .description = "oneTBB: a task_group in a task_arena of --workers threads (plugins/, "
                     "written against the public registration API only)",
      .traits = traits,
      .make = [](const SchedulerConfig& config) -> std::unique_ptr<Scheduler> {
        return std::make_unique<TbbScheduler>(config.workers);
      },
  });
}

}  // namespace schedlab::plugins
