#include "suite/resource_sampler.hpp"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace schedlab::suite {
namespace {

struct Usage {
  double cpu_ms = 0;
  uint64_t rss_bytes = 0;
};

// utime + stime and RSS of one process, from /proc/<pid>/stat.
Usage usage_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  double utime = 0, stime = 0, rss_pages = 0;
  for (int i = 3; i <= 24 && fields >> f; ++i) {  // fields 14, 15: utime, stime; 24: rss
    if (i == 14) utime = std::stod(f);
    if (i == 15) stime = std::stod(f);
    if (i == 24) rss_pages = std::stod(f);
  }
  static const double tick_ms = 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  return {(utime + stime) * tick_ms, static_cast<uint64_t>(rss_pages * page)};
}

// This process and its children (the worker processes, if any).
Usage tree_usage() {
  const std::string self = std::to_string(getpid());
  Usage total = usage_of(self);
  if (DIR* tasks = opendir(("/proc/" + self + "/task").c_str())) {
    while (dirent* t = readdir(tasks)) {
      if (t->d_name[0] == '.') continue;
      std::ifstream children("/proc/" + self + "/task/" + t->d_name + "/children");
      for (std::string child; children >> child;) {
        Usage u = usage_of(child);
        total.cpu_ms += u.cpu_ms;
        total.rss_bytes += u.rss_bytes;
      }
    }
    closedir(tasks);
  }
  return total;
}

}  // namespace

void ResourceSampler::run_started(const RunInfo& info) {
  stop();
  std::lock_guard lock(mutex_);
  samples_.clear();
  start_ = last_time_ = info.start;
  last_cpu_ms_ = tree_usage().cpu_ms;
  samples_.push_back({0, 0, tree_usage().rss_bytes});
  running_ = true;
  thread_ = std::thread([this] {
    std::unique_lock held(mutex_);
    while (running_) {
      if (wake_.wait_for(held, period_, [this] { return !running_; })) break;
      sample();
    }
  });
}

void ResourceSampler::sample() {
  Usage u = tree_usage();
  Clock::time_point now = Clock::now();
  double dt = std::chrono::duration<double, std::milli>(now - last_time_).count();
  double cpu = dt > 0 ? 100.0 * (u.cpu_ms - last_cpu_ms_) / dt : 0;
  samples_.push_back(
      {std::chrono::duration<double, std::milli>(now - start_).count(), cpu, u.rss_bytes});
  last_time_ = now;
  last_cpu_ms_ = u.cpu_ms;
}

void ResourceSampler::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard lock(mutex_);
  sample();  // the end of the run
}

std::vector<reports::ResourceSample> ResourceSampler::samples() {
  std::lock_guard lock(mutex_);
  return samples_;
}

}  // namespace schedlab::suite
