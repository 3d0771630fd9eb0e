#include "schedlab/schedulers/resource_usage.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "schedlab/schedulers/cgroup.hpp"
#include "schedlab/schedulers/proc_stat.hpp"

namespace schedlab {
namespace {

const double kTickMs = 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));

// utime + stime and RSS of one process (clock-tick resolution); zeros once it has ended.
ProcessUsage usage_of(pid_t pid) {
  const ProcStat s = read_proc_stat(pid);
  return {s.cpu_ms, s.rss_bytes};
}

// Calls f(pid) for every live child of this process (of any of its threads).
template <class F>
void for_each_child(F&& f) {
  const std::string self = std::to_string(getpid());
  DIR* tasks = opendir(("/proc/" + self + "/task").c_str());
  if (!tasks) return;
  while (dirent* t = readdir(tasks)) {
    if (t->d_name[0] == '.') continue;
    std::ifstream children("/proc/" + self + "/task/" + t->d_name + "/children");
    for (pid_t child; children >> child;) f(child);
  }
  closedir(tasks);
}

// User + system CPU time of `who` (RUSAGE_SELF or RUSAGE_CHILDREN: those already reaped), at
// microsecond resolution, where /proc counts 10 ms ticks.
double rusage_cpu_ms(int who) {
  rusage r{};
  if (getrusage(who, &r) != 0) return 0;
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + t.tv_usec / 1e3; };
  return ms(r.ru_utime) + ms(r.ru_stime);
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

}  // namespace

ProcessUsage process_tree_usage(const std::vector<int>& also) {
  ProcessUsage total = usage_of(getpid());
  total.cpu_ms = rusage_cpu_ms(RUSAGE_SELF);
  std::vector<pid_t> counted;
  auto add = [&](pid_t pid) {
    if (std::find(counted.begin(), counted.end(), pid) != counted.end()) return;
    counted.push_back(pid);
    ProcessUsage u = usage_of(pid);
    total.cpu_ms += u.cpu_ms;
    total.rss_bytes += u.rss_bytes;
  };
  for_each_child(add);
  for (int pid : also) add(pid);
  return total;
}

uint64_t own_rss_bytes() {
  return usage_of(getpid()).rss_bytes;
}

uint64_t mem_available_bytes() {
  uint64_t available = 0;
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemAvailable:", 0) == 0)
      available = std::strtoull(line.c_str() + 13, nullptr, 10) * 1024;
  }
  // A container's (or a slice's) memory limit: what is left below it (v2 memory.max and
  // memory.current; v1 memory.limit_in_bytes and memory.usage_in_bytes, "unlimited" there
  // being a huge number).
  for_each_cgroup_folder("memory", [&available](const std::string& folder, bool v2) {
    std::string limit_text, used_text;
    std::ifstream(folder + (v2 ? "/memory.max" : "/memory.limit_in_bytes")) >> limit_text;
    std::ifstream(folder + (v2 ? "/memory.current" : "/memory.usage_in_bytes")) >> used_text;
    if (limit_text.empty() || limit_text == "max" || used_text.empty()) return;
    const uint64_t limit = std::strtoull(limit_text.c_str(), nullptr, 10),
                   used = std::strtoull(used_text.c_str(), nullptr, 10);
    const uint64_t room = limit > used ? limit - used : 1;
    available = available ? std::min(available, room) : room;
  });
  return available;
}

MachineCpu machine_cpu() {
  MachineCpu out;
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;  // "cpu": the sum over all cores
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  double ticks[8] = {};
  for (double& t : ticks) stat >> t;
  if (cpu == "cpu" && stat) {
    out.busy_ms = (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) * kTickMs;
  }
  std::ifstream psi("/proc/pressure/cpu");
  for (std::string word; psi >> word;) {  // "some avg10=.. avg60=.. avg300=.. total=US"
    if (word.rfind("total=", 0) == 0) {
      out.pressure_ms = std::strtod(word.c_str() + 6, nullptr) / 1e3;
      break;  // the first line is "some"
    }
  }
  return out;
}

// This process, children already reaped, live workers.
double ResourceMeter::cpu_ms_now() const {
  double total = rusage_cpu_ms(RUSAGE_SELF) + rusage_cpu_ms(RUSAGE_CHILDREN);
  for (int pid : workers_) total += usage_of(pid).cpu_ms;
  return total;
}

void ResourceMeter::run_started(const RunInfo& info) {
  workers_ = info.worker_pids;
  peak_reset_ = reset_peak_rss();
  cpu0_ = cpu_ms_now();
}

void ResourceMeter::add_figures(RunStats& stats) {
  stats.cpu_ms += cpu_ms_now() - cpu0_;
  stats.peak_rss_bytes = peak_reset_ ? peak_rss_bytes() : 0;
}

}  // namespace schedlab
