#include "schedlab/suite/resource_sampler.hpp"

#include <algorithm>

namespace schedlab::suite {

void ResourceSampler::run_started(const RunInfo& info) {
  stop();
  std::lock_guard lock(mutex_);
  samples_.clear();
  start_ = last_time_ = info.start;
  workers_ = info.worker_pids;
  const ProcessUsage u = process_tree_usage(workers_);
  last_cpu_ms_ = u.cpu_ms;
  samples_.push_back({0, 0, u.rss_bytes});
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
  ProcessUsage u = process_tree_usage(workers_);
  Clock::time_point now = Clock::now();
  double dt = std::chrono::duration<double, std::milli>(now - last_time_).count();
  double cpu = dt > 0 ? 100.0 * (u.cpu_ms - last_cpu_ms_) / dt : 0;
  // Worker CPU comes in clock ticks (10 ms), so a short interval can see more than the cores
  // give: what no machine can do is cut to what this one can.
  static const double most = 100.0 * std::max(1u, std::thread::hardware_concurrency());
  cpu = std::clamp(cpu, 0.0, most);
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
