// How a side of the distributed scheduler waits for the next message: yield the CPU for a
// short while after the last activity (a chain's next task or result comes within
// microseconds), then sleep, longer and longer: up to 250 us while a run may be going on (what
// a finished task may wait to be noticed: a 20 ms lesson task then costs about 2% more), 2 ms
// once idle for a second (an idle cluster costs next to nothing; the first task of the next
// run may wait that long once). Yielding rather than spinning,
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
    if (idle > std::chrono::seconds(1)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      return;
    }
    // 20 us, 40 us, ... doubling every 2 ms of idleness, at most 250 us.
    const auto doublings = std::min<int64_t>(4, (idle - kYieldFor) / std::chrono::milliseconds(2));
    std::this_thread::sleep_for(
        std::min(std::chrono::microseconds(250), std::chrono::microseconds(20 << doublings)));
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kYieldFor = std::chrono::milliseconds(1);
  Clock::time_point idle_since_{};
};

}  // namespace schedlab::distributed
