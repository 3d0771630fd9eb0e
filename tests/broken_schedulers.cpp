// The schedlab command with four deliberately broken schedulers in it, for
// conformance_catches_broken_schedulers.sh: `conformance` must fail each with a message that
// names what went wrong, and never crash.
#include <deque>
#include <memory>
#include <vector>

#include "schedlab/cli/main.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace {

enum class Fault { lost_task, early_return, ignored_stop, bad_worker_index };

// One worker, one queue, oldest task first: correct but for its fault.
class BrokenScheduler final : public schedlab::InProcessScheduler {
 public:
  explicit BrokenScheduler(Fault fault) : fault_(fault) {}
  unsigned workers() const override { return 1; }

  void run_job(schedlab::Job& job) override {
    std::deque<schedlab::NodeId> queue(job.roots().begin(), job.roots().end());
    std::vector<schedlab::NodeId> ready;
    size_t ran = 0;
    while (!queue.empty()) {
      if (fault_ != Fault::ignored_stop && job.stopped()) break;
      const schedlab::NodeId task = queue.front();
      queue.pop_front();
      ready.clear();
      job.run(task, fault_ == Fault::bad_worker_index ? 1 : 0, ready);
      ++ran;
      if (fault_ == Fault::early_return && ran == 2) return;
      for (size_t i = 0; i < ready.size(); ++i) {
        // lost_task: every third task made ready is forgotten.
        if (fault_ == Fault::lost_task && ready[i] % 3 == 2) continue;
        queue.push_back(ready[i]);
      }
    }
  }

 private:
  Fault fault_;
};

void add(const char* name, Fault fault) {
  schedlab::SchedulerTraits traits;
  traits.policy = schedlab::Policy::fifo;
  traits.fixed_workers = 1;
  schedlab::SchedulerRegistry::global().add(
      {.name = name,
       .aliases = {},
       .description = "broken on purpose (tests/broken_schedulers.cpp)",
       .traits = traits,
       .make = [fault](const schedlab::SchedulerConfig&) -> std::unique_ptr<schedlab::Scheduler> {
         return std::make_unique<BrokenScheduler>(fault);
       }});
}

}  // namespace

int main(int argc, char** argv) {
  add("lost-task", Fault::lost_task);
  add("early-return", Fault::early_return);
  add("ignored-stop", Fault::ignored_stop);
  add("bad-worker-index", Fault::bad_worker_index);
  return schedlab::cli_main(argc, argv);
}
