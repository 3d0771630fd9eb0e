#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>
#include <thread>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/suggest.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {

void register_optional_schedulers(SchedulerRegistry& registry);  // openmp, processes: if built

SchedulerRegistry& SchedulerRegistry::global() {
  static SchedulerRegistry* registry = [] {
    auto* r = new SchedulerRegistry();
    r->add({"sync",
            {"single-threaded", "synchronous"},
            "runs every task in the calling thread, depth-first; deterministic, for debugging",
            {Policy::depth_first, ProcessModel::one_process, 1, true},
            [](const SchedulerConfig& c) { return make_sync_scheduler(c.workers); }});
    r->add({"threads",
            {"threading"},
            "a pool of worker threads with work stealing, reused across computes",
            {Policy::work_first, ProcessModel::one_process, 0, false},
            [](const SchedulerConfig& c) { return make_threads_scheduler(c.workers); }});
    r->add({"processes",
            {"multiprocessing"},
            "a pool of worker processes, values moved through shared memory, reused across "
            "computes",
            {.policy = Policy::work_first,
             .processes = ProcessModel::process_per_worker,
             .pools_workers = true},
            [](const SchedulerConfig& c) {
              return make_processes_scheduler(c.workers, c.fresh_pool, c.chunksize);
            },
            remove_processes_segments});
    register_optional_schedulers(*r);
    // Pools must be stopped before the process exits, whoever forgets to.
    std::atexit([] { SchedulerRegistry::global().shutdown(); });
    return r;
  }();
  return *registry;
}

void SchedulerRegistry::before_forced_exit() const {
  // Not under cache_mutex_: acquire() holds it while a scheduler starts, which may never return
  // (an Open MPI spawn), and a forced exit must not wait for that.
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(hooks_mutex_);
    hooks = hooks_;
  }
  for (const auto& hook : hooks) hook();
}

void SchedulerRegistry::add(SchedulerInfo info) {
  if (info.before_forced_exit) {
    std::lock_guard lock(hooks_mutex_);
    hooks_.push_back(info.before_forced_exit);
  }
  std::lock_guard lock(mutex_);
  infos_.push_back(std::move(info));
}

const SchedulerInfo& SchedulerRegistry::info(std::string_view name) const {
  std::lock_guard lock(mutex_);
  for (const SchedulerInfo& s : infos_) {
    if (s.name == name || std::find(s.aliases.begin(), s.aliases.end(), name) != s.aliases.end()) {
      return s;
    }
  }
  std::string valid;
  std::vector<std::string> names;
  for (const SchedulerInfo& s : infos_) {
    valid += (valid.empty() ? "" : ", ") + s.name;
    names.push_back(s.name);
    for (const std::string& a : s.aliases) {
      valid += " (" + a + ")";
      names.push_back(a);
    }
  }
  throw UsageError(fmt::format("unknown scheduler '{}'{}; valid names (aliases): {}", name,
                               did_you_mean(name, names), valid));
}

unsigned SchedulerInfo::workers_for(unsigned requested) const {
  if (traits.fixed_workers) return traits.fixed_workers;
  return requested ? requested : default_workers();
}

void SchedulerInfo::check(const SchedulerConfig& config) const {
  if (config.memory_limit && !traits.limits_worker_memory) {
    throw UsageError(fmt::format(
        "--memory-limit: {} cannot limit its workers' memory (it applies to the distributed "
        "scheduler's worker processes); leave it out, or use ulimit -v for the whole process",
        name));
  }
  if (config.fresh_pool && !traits.pools_workers) {
    throw UsageError(fmt::format(
        "--pool fresh: {} keeps no pool of worker processes to start afresh for each run (it "
        "applies to the processes scheduler); leave it out",
        name));
  }
  if (config.chunksize > 1 && !traits.pools_workers) {
    throw UsageError(fmt::format(
        "--chunksize {}: {} hands out no chunks of tasks (it applies to the processes "
        "scheduler, as Dask's batching does to its multiprocessing scheduler); leave it out",
        config.chunksize, name));
  }
  if (config.threads_per_worker > 1 && traits.processes != ProcessModel::processes_of_threads) {
    throw UsageError(fmt::format(
        "--threads-per-worker {}: {} has no worker processes of threads (it applies to the "
        "distributed scheduler); leave it out, or give more --workers",
        config.threads_per_worker, name));
  }
}

MachineModel SchedulerInfo::machine(unsigned requested_workers, bool gil,
                                    unsigned threads_per_worker) const {
  MachineModel m;
  m.workers = workers_for(requested_workers);
  if (traits.processes == ProcessModel::processes_of_threads) {
    m.threads_per_process = std::max(1u, threads_per_worker);
    m.workers *= m.threads_per_process;  // the predictor counts threads
  }
  m.policy = traits.policy;
  m.processes = traits.processes;
  m.gil = gil;
  m.cores = default_workers();
  m.kept_bytes = traits.keeps_results_from;
  m.fetch_ns_per_byte = traits.fetch_ns_per_byte;
  return m;
}

const SchedulerInfo& SchedulerRegistry::baseline() const {
  std::lock_guard lock(mutex_);
  for (const SchedulerInfo& s : infos_) {
    if (s.traits.speedup_baseline) return s;
  }
  throw InfrastructureError("no scheduler is registered as the speedup baseline");
}

bool SchedulerRegistry::has(std::string_view name) const {
  try {
    info(name);
    return true;
  } catch (const UsageError&) {
    return false;
  }
}

std::vector<const SchedulerInfo*> SchedulerRegistry::list() const {
  std::lock_guard lock(mutex_);
  std::vector<const SchedulerInfo*> out;
  for (const SchedulerInfo& s : infos_) out.push_back(&s);
  return out;
}

std::shared_ptr<Scheduler> SchedulerRegistry::acquire(std::string_view name,
                                                      SchedulerConfig config) {
  const SchedulerInfo& s = info(name);
  config.workers = s.workers_for(config.workers);
  const unsigned workers = config.workers;
  if (workers > kMaxWorkers) {
    throw UsageError(fmt::format("{} workers is too many: use 1 to {}", workers, kMaxWorkers));
  }
  if (!s.traits.pools_workers) {  // meaningless elsewhere
    config.fresh_pool = false;
    config.chunksize = 1;
  }
  if (s.traits.processes != ProcessModel::processes_of_threads) {
    config.threads_per_worker = 1;  // meaningless elsewhere: one cache entry, not several
    config.memory_limit = 0;
  } else if (config.threads_per_worker < 1 || config.threads_per_worker > 256) {
    throw UsageError(fmt::format("{} threads per worker: use 1 to 256", config.threads_per_worker));
  }
  // Not mutex_: a scheduler may take seconds to start (or never: an Open MPI spawn), and the
  // stop watchdog's last words look schedulers up meanwhile.
  std::lock_guard lock(cache_mutex_);
  for (const Cached& c : cache_) {
    if (c.name == s.name && c.config == config) return c.scheduler;
  }
  std::shared_ptr<Scheduler> made;
  try {
    made = s.make(config);
  } catch (const std::system_error& e) {  // e.g. a scheduler's own thread could not start
    throw InfrastructureError(
        fmt::format("cannot start the {} scheduler with {} workers: {} (a "
                    "limit on processes or memory? see `ulimit -u` and "
                    "`ulimit -v`, or use fewer --workers)",
                    s.name, workers, e.code().message()));
  }
  cache_.push_back({s.name, config, made});
  return made;
}

void SchedulerRegistry::shutdown() {
  std::vector<Cached> cached;
  {
    std::lock_guard lock(cache_mutex_);
    cached.swap(cache_);
  }
  cached.clear();  // destructors stop the pools
}

}  // namespace schedlab
