// How a side of the distributed scheduler waits for the next message: yield the CPU for a
// short while after the last activity (a chain's next task or result comes within
// microseconds), then sleep, longer and longer up to 250 us (what a finished task may wait to
// be noticed: a 20 ms lesson task then costs about 2% more). Yielding rather than spinning,
// because on a machine with fewer cores than waiting threads (the scheduling rank, each
// rank's main thread) the one we wait for may need this CPU; sleeping soon, because a cluster
// of 8 ranks on 2 cores that all yield would still take the CPU from the ones working.
#pragma once

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace schedlab::distributed {

class Backoff {
 public:
  void reset() { idle_since_ = Clock::time_point{}; }
  void wait() {
    const auto now = Clock::now();
    if (idle_since_ == Clock::time_point{}) idle_since_ = now;
    const auto idle = now - idle_since_;
    if (idle < kYieldFor) {
      sched_yield();
      return;
    }
    // 20 us, 40 us, ... up to 250 us, doubling every 2 ms of idleness.
    const auto doublings = std::min<int64_t>(4, (idle - kYieldFor) / std::chrono::milliseconds(2));
    std::this_thread::sleep_for(std::chrono::microseconds(20) * (int64_t{1} << doublings));
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kYieldFor = std::chrono::microseconds(200);
  Clock::time_point idle_since_{};
};

}  // namespace schedlab::distributed
