// The resource sampler on its own: samples from the run's start to its end, time going forward,
// this process's memory and CPU seen, and a new run starting afresh.
#include "schedlab/suite/resource_sampler.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace schedlab::suite {
namespace {

using namespace std::chrono_literals;

void busy_for(std::chrono::milliseconds d) {
  const auto until = Clock::now() + d;
  volatile double x = 1;
  while (Clock::now() < until) x = x * 1.0000001 + 1e-9;
}

TEST(ResourceSampler, SamplesARunFromStartToEnd) {
  ResourceSampler sampler(5ms);
  const RunInfo info{nullptr, "sync", 1, 0, Clock::now()};
  sampler.run_started(info);
  busy_for(60ms);
  sampler.run_finished({});
  const std::vector<reports::ResourceSample> s = sampler.samples();
  ASSERT_GE(s.size(), 3u);  // the start, some on the way (every 5 ms), the end
  EXPECT_EQ(s.front().t_ms, 0);
  for (size_t i = 1; i < s.size(); ++i) EXPECT_GE(s[i].t_ms, s[i - 1].t_ms);
  EXPECT_GE(s.back().t_ms, 60);
  double busiest = 0;
  for (const auto& x : s) {
    EXPECT_GT(x.rss_bytes, 1u << 20) << "this process holds more than a MB";
    EXPECT_GE(x.cpu_percent, 0);
    busiest = std::max(busiest, x.cpu_percent);
  }
  EXPECT_GT(busiest, 0);  // it computed for 60 ms: some sample saw it

  // The next run starts afresh; stopping twice (run_finished, then the destructor) is harmless.
  sampler.run_started({nullptr, "sync", 1, 0, Clock::now()});
  sampler.run_finished({});
  sampler.run_finished({});
  const std::vector<reports::ResourceSample> again = sampler.samples();
  ASSERT_GE(again.size(), 2u);
  EXPECT_EQ(again.front().t_ms, 0);
  EXPECT_LT(again.size(), s.size());  // none of the first run's samples
}

}  // namespace
}  // namespace schedlab::suite
