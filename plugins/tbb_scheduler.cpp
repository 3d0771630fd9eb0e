// A task_group in a task_arena of --workers threads. Each task runs its first newly ready
// successor itself and hands the others to the group; TBB's work stealing does the rest. TBB
// promises no order among the tasks of a group, so neither does this scheduler's policy.
#include "schedlab/plugins/tbb_scheduler.hpp"

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::plugins {
namespace {

class TbbScheduler final : public InProcessScheduler {
 public:
  explicit TbbScheduler(unsigned workers)
      : workers_(workers ? workers : std::max(1u, std::thread::hardware_concurrency())),
        arena_(static_cast<int>(workers_)) {}

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
      thread_local std::vector<NodeId> ready;
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
