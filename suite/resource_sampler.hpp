// Samples CPU use and resident memory of this process and its worker processes every `period`
// (the run loop fits it to the cell: about 50 samples a run) while a run is going (plus once at its
// start and end), like Dask's ResourceProfiler. An observer: it starts its thread when the run
// starts and stops it when the run ends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "schedlab/reports/results.hpp"
#include "schedlab/schedulers/resource_usage.hpp"

namespace schedlab::suite {

class ResourceSampler final : public Observer {
 public:
  explicit ResourceSampler(std::chrono::milliseconds period = std::chrono::milliseconds(250))
      : period_(period) {}
  ~ResourceSampler() override { stop(); }
  void run_started(const RunInfo& info) override;
  void run_finished(const RunStats&) override { stop(); }
  bool wants_tasks() const override { return false; }
  // The samples of the last run, times from its start.
  std::vector<reports::ResourceSample> samples();

 private:
  void sample();
  void stop();

  std::chrono::milliseconds period_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool running_ = false;
  std::vector<int> workers_;  // worker processes that are not children (distributed's ranks)
  Clock::time_point start_{}, last_time_{};
  double last_cpu_ms_ = 0;
  std::vector<reports::ResourceSample> samples_;
};

}  // namespace schedlab::suite
