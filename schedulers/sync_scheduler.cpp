// sync: every task in the calling thread, depth-first. A stack rather than a queue means a
// task's result is usually consumed right after it is made, so memory stays low, and the order
// is fixed, so runs are repeatable: the scheduler to debug with.
#include <algorithm>

#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {
namespace {

class SyncScheduler final : public InProcessScheduler {
 public:
  unsigned workers() const override { return 1; }

  void run_job(Job& job) override {
    std::span<const NodeId> roots = job.roots();
    std::vector<NodeId> stack(roots.rbegin(), roots.rend());
    std::vector<NodeId> ready;
    while (!stack.empty() && !job.stopped()) {
      NodeId n = stack.back();
      stack.pop_back();
      ready.clear();
      job.run(n, 0, ready);
      stack.insert(stack.end(), ready.rbegin(), ready.rend());
    }
  }
};

}  // namespace

std::unique_ptr<Scheduler> make_sync_scheduler(unsigned) {
  return std::make_unique<SyncScheduler>();
}

}  // namespace schedlab
