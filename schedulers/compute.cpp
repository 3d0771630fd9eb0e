#include "schedulers/compute.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "core/errors.hpp"
#include "core/plan.hpp"
#include "schedulers/scheduler.hpp"
#include "schedulers/trace.hpp"

namespace schedlab {
namespace {

double cpu_ms_now() {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(self.ru_utime) + ms(self.ru_stime) + ms(children.ru_utime) + ms(children.ru_stime);
}

// Resets the kernel's peak-RSS mark so that VmHWM afterwards is this run's peak (Linux >= 4.0).
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear.flush());
}

uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Fans the core's hooks out to the trace recorder and the caller's observer.
class Observers final : public Observer {
 public:
  Observers(Observer* a, Observer* b) : a_(a), b_(b) {}
  void run_started(const RunInfo& i) override {
    a_->run_started(i);
    b_->run_started(i);
  }
  void task_started(NodeId n, unsigned w, Clock::time_point t) override {
    a_->task_started(n, w, t);
    b_->task_started(n, w, t);
  }
  void task_finished(const TaskEvent& e) override {
    a_->task_finished(e);
    b_->task_finished(e);
  }
  void run_finished(const RunStats& s) override {
    a_->run_finished(s);
    b_->run_finished(s);
  }

 private:
  Observer *a_, *b_;
};

}  // namespace

ComputeResult compute(const Graph& graph, std::span<const NodeId> targets,
                      const ComputeOptions& options) {
  auto plan = plan_for(graph, targets);
  SchedulerRegistry& registry = SchedulerRegistry::global();
  const SchedulerInfo& info = registry.info(options.scheduler);

  ComputeResult result;
  result.scheduler = info.name;
  TraceRecorder recorder;
  Observers both(&recorder, options.observer);
  Observer* observer = options.trace
                           ? (options.observer ? &both : static_cast<Observer*>(&recorder))
                           : options.observer;

  // The wall clock starts when the graph is handed to the scheduler, pool start-up included.
  const bool rss = reset_peak_rss();
  const double cpu0 = cpu_ms_now();
  result.start = Clock::now();
  std::shared_ptr<Scheduler> scheduler = registry.acquire(info.name, options.workers);
  std::lock_guard one_run_at_a_time(scheduler->busy());
  result.workers = scheduler->workers();
  TaskLocks locks = scheduler->locks();
  locks.gil = options.gil;
  locks.skip_sleep = options.skip_sleep;
  Execution execution(graph, plan, info.name, result.workers, observer, locks);
  scheduler->run(execution);
  RunStats& stats = execution.stats();
  stats.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - result.start).count();
  stats.cpu_ms += cpu_ms_now() - cpu0;  // plus what the scheduler added for its workers
  stats.peak_rss_bytes = rss ? peak_rss_bytes() : 0;
  try {
    result.values = execution.finish();
  } catch (...) {
    if (observer) observer->run_finished(execution.stats());
    throw;
  }
  result.stats = execution.stats();
  if (observer) observer->run_finished(result.stats);
  if (options.trace) result.trace = recorder.events();
  return result;
}

ComputeResult compute(std::span<const Delayed> targets, const ComputeOptions& options) {
  if (targets.empty()) return ComputeResult{};
  const Graph& graph = targets.front().graph();
  std::vector<NodeId> ids;
  ids.reserve(targets.size());
  for (const Delayed& d : targets) {
    if (&d.graph() != &graph) {
      throw UsageError(
          fmt::format("'{}' and '{}' belong to different graphs; compute targets of "
                      "one graph at a time",
                      targets.front().key(), d.key()));
    }
    ids.push_back(d.id());
  }
  return compute(graph, ids, options);
}

}  // namespace schedlab
