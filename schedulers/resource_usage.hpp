// What a run costs the machine: CPU time and memory of this process and its worker processes.
// One place reads /proc and getrusage for both the per-run figures (ResourceMeter) and the
// suite's profile over time (suite/resource_sampler).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "schedlab/schedulers/observer.hpp"

namespace schedlab {

struct ProcessUsage {
  double cpu_ms = 0;       // user + system
  uint64_t rss_bytes = 0;  // resident now
};

// This process plus its live child processes (the workers of `processes`) and `also` (worker
// ranks of `distributed`, which are not its children), from /proc; each process counted once.
ProcessUsage process_tree_usage(const std::vector<int>& also = {});

// What this process holds in memory now (resident set, from /proc/self/stat).
uint64_t own_rss_bytes();

// The memory that could be given to this process now: MemAvailable of /proc/meminfo, or less
// where a cgroup of this process (or one above it) has a memory limit; 0 when not known.
uint64_t mem_available_bytes();

// The whole machine's CPU so far, to tell how much of it other programs took during a run:
// busy time summed over all cores (/proc/stat, 10 ms ticks) and the time some runnable task
// waited for a core (/proc/pressure/cpu "some", microseconds; 0 without PSI).
struct MachineCpu {
  double busy_ms = 0, pressure_ms = 0;
  // What other programs took between `since` and this reading, when a run in between used
  // `own_cpu_ms` itself (its worker processes included); never below 0.
  double others_ms(const MachineCpu& since, double own_cpu_ms) const {
    return std::max(0.0, busy_ms - since.busy_ms - own_cpu_ms);
  }
};
MachineCpu machine_cpu();

// An observer that adds cpu_ms and peak_rss_bytes to a run's stats: CPU time of this process,
// of the scheduler's worker processes and of children reaped during the run; the kernel's
// peak-RSS mark of this process, reset when the run starts (0 where that is not possible,
// before Linux 4.0). For a scheduler without worker processes it reads no /proc file but the
// peak-RSS mark, so it costs microseconds per run.
class ResourceMeter final : public Observer {
 public:
  void run_started(const RunInfo& info) override;
  void add_figures(RunStats& stats) override;
  bool wants_tasks() const override { return false; }

 private:
  double cpu_ms_now() const;
  std::vector<int> workers_;
  double cpu0_ = 0;
  bool peak_reset_ = false;
};

}  // namespace schedlab
