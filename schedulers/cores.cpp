// default_workers(): the cores this process may use, as Dask's CPU_COUNT counts them. Not the
// machine's cores (std::thread::hardware_concurrency): under `taskset`, a cpuset or a container
// CPU quota (a CI runner on a 64-core host given 2 CPUs), workers beyond the usable cores only
// take turns, and the predictor would simulate cores that are not there.
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <thread>

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

// The CPU quota of this process's cgroup, rounded up (cgroup v2 `cpu.max`, v1
// `cpu.cfs_quota_us` / `cpu.cfs_period_us`); 0 when there is none.
unsigned quota_cpus() {
  std::ifstream cgroups("/proc/self/cgroup");
  std::string line;
  while (std::getline(cgroups, line)) {
    // "0::/path" (v2), "4:cpu,cpuacct:/path" (v1)
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1),
                      path = line.substr(second + 1);
    double quota = -1, period = 0;
    if (controllers.empty()) {
      std::ifstream max("/sys/fs/cgroup" + path + "/cpu.max");
      std::string q;
      if (max >> q >> period && q != "max") quota = std::stod(q);
    } else if (("," + controllers + ",").find(",cpu,") != std::string::npos) {
      const std::string dir = "/sys/fs/cgroup/" + controllers + path;
      std::ifstream q(dir + "/cpu.cfs_quota_us"), p(dir + "/cpu.cfs_period_us");
      if (!(q >> quota && p >> period)) quota = -1;
    }
    if (quota > 0 && period > 0) return static_cast<unsigned>(std::ceil(quota / period));
  }
  return 0;
}

}  // namespace

unsigned default_workers() {
  unsigned n = std::thread::hardware_concurrency();
  if (const unsigned a = affinity_cpus(); a > 0) n = n ? std::min(n, a) : a;
  if (const unsigned q = quota_cpus(); q > 0) n = n ? std::min(n, q) : q;
  return std::max(1u, n);
}

}  // namespace schedlab
