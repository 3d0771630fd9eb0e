#include "schedlab/schedulers/compute.hpp"

#include <fmt/format.h>

#include <mutex>
#include <string>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/plan.hpp"
#include "schedlab/schedulers/resource_usage.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/schedulers/trace.hpp"

namespace schedlab {
namespace {

std::mutex g_default_mutex;
std::string g_default = "threads";

}  // namespace

std::string default_scheduler() {
  std::lock_guard lock(g_default_mutex);
  return g_default;
}

void set_default_scheduler(std::string_view name) {
  std::string canonical = SchedulerRegistry::global().info(name).name;  // UsageError if unknown
  std::lock_guard lock(g_default_mutex);
  g_default = std::move(canonical);
}

SchedulerScope::SchedulerScope(std::string_view name) : previous_(default_scheduler()) {
  set_default_scheduler(name);
}

SchedulerScope::~SchedulerScope() {
  set_default_scheduler(previous_);
}

ComputeResult compute(const Graph& graph, std::span<const NodeId> targets,
                      const ComputeOptions& options) {
  auto plan = plan_for(graph, targets);
  SchedulerRegistry& registry = SchedulerRegistry::global();
  const SchedulerInfo& info =
      registry.info(options.scheduler.empty() ? default_scheduler() : options.scheduler);

  const SchedulerConfig config{options.workers, options.threads_per_worker, options.memory_limit,
                               options.fresh_pool, options.chunksize};
  info.check(config);
  ComputeResult result;
  result.scheduler = info.name;
  ResourceMeter meter;
  TraceRecorder recorder;
  std::vector<Observer*> observers{&meter};
  observers.insert(observers.end(), options.observers.begin(), options.observers.end());
  if (options.trace) observers.push_back(&recorder);

  // The wall clock starts when the graph is handed to the scheduler, pool start-up included.
  result.start = Clock::now();
  std::shared_ptr<Scheduler> scheduler = registry.acquire(info.name, config);
  std::lock_guard one_run_at_a_time(scheduler->busy());
  result.workers = scheduler->workers();
  TaskLocks locks = scheduler->locks();
  locks.gil = options.gil;
  locks.skip_sleep = options.skip_sleep;
  Execution execution(
      graph, plan,
      RunInfo{&graph, info.name, result.workers, 0, result.start, scheduler->worker_pids()},
      std::move(observers), locks);
  execution.start(options.limits);
  {
    struct RunMark {  // for the stop watchdog (core/interrupt.hpp)
      RunMark() { mark_run(true); }
      ~RunMark() { mark_run(false); }
    } running;
    scheduler->run(execution);
  }
  result.values = execution.finish();
  result.stats = execution.stats();
  if (options.trace) {
    result.trace = recorder.events();
    result.spans = recorder.spans();
  }
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
