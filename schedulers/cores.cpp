// usable_cores() and default_workers(): the cores this process may use, as Dask's CPU_COUNT counts
// them. Not the machine's cores (std::thread::hardware_concurrency): under `taskset`, a cpuset or a
// container CPU quota (a CI runner on a 64-core host given 2 CPUs), workers beyond the usable cores
// only take turns, and the predictor would simulate cores that are not there.
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "schedlab/schedulers/cgroup.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {
namespace {

// CPUs of the affinity mask (sched_getaffinity), for masks of up to 4096 CPUs.
unsigned affinity_cpus() {
  constexpr int kMaxCpus = 4096;
  cpu_set_t* set = CPU_ALLOC(kMaxCpus);
  if (!set) return 0;
  const size_t size = CPU_ALLOC_SIZE(kMaxCpus);
  const int count = sched_getaffinity(0, size, set) == 0 ? CPU_COUNT_S(size, set) : 0;
  CPU_FREE(set);
  return static_cast<unsigned>(count);
}

// CPUs a quota file allows, rounded up: 0 without a quota (or without the file).
unsigned cpus_of(const std::string& quota_text, const std::string& period_text) {
  const double quota = std::strtod(quota_text.c_str(), nullptr),
               period = std::strtod(period_text.c_str(), nullptr);
  return quota > 0 && period > 0 ? static_cast<unsigned>(std::ceil(quota / period)) : 0;
}

// The smallest CPU quota over this process's cgroup and those above it, rounded up: v2
// `cpu.max` ("max 100000" is none), v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1 is none).
// 0 when there is none.
unsigned quota_cpus() {
  unsigned least = 0;
  for_each_cgroup_folder("cpu", [&least](const std::string& folder, bool v2) {
    std::string quota, period;
    if (v2) {
      std::ifstream(folder + "/cpu.max") >> quota >> period;
    } else {
      std::ifstream(folder + "/cpu.cfs_quota_us") >> quota;
      std::ifstream(folder + "/cpu.cfs_period_us") >> period;
    }
    if (const unsigned cpus = cpus_of(quota, period); cpus > 0)
      least = least ? std::min(least, cpus) : cpus;
  });
  return least;
}

}  // namespace

unsigned usable_cores() {
  unsigned n = std::thread::hardware_concurrency();
  if (const unsigned a = affinity_cpus(); a > 0) n = n ? std::min(n, a) : a;
  if (const unsigned q = quota_cpus(); q > 0) n = n ? std::min(n, q) : q;
  return std::max(1u, n);
}

unsigned default_workers() {
  // Once: every compute() without a worker count asks, and reading /proc and the cgroup files
  // each time would cost tens of microseconds a call (as Dask, a later `taskset -p` is not seen).
  static const unsigned cores = usable_cores();
  return cores;
}

}  // namespace schedlab
