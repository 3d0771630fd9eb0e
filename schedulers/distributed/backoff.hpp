// How a side of the distributed scheduler waits for the next message: yield the CPU for a
// short while after the last activity (a chain's next task or result comes within
// microseconds), then sleep, longer and longer: up to 250 us while a run may be going on (what
// a finished task may wait to be noticed: a 20 ms lesson task then costs about 2% more; up to
// 1% of a task's time where tasks are known to take longer, at most 1 ms), 2 ms
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
  // The longest sleep while a run may be going on: longer when tasks are known to take long
  // (a wake-up costs about 50 us of a core here, a core the workers could use: on 2 cores,
  // waking every 250 us took 15% of one while two ranks parsed files).
  void set_ceiling(std::chrono::microseconds ceiling) {
    ceiling_ = std::clamp(ceiling, kCeiling, std::chrono::microseconds(1000));
  }
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
    // From a sixteenth of the ceiling (at least 20 us), doubling every 1 ms of idleness.
    const auto doublings = std::min<int64_t>(7, (idle - kYieldFor) / std::chrono::milliseconds(1));
    const auto first = std::max(std::chrono::microseconds(20), ceiling_ / 16);
    std::this_thread::sleep_for(std::min(ceiling_, first * (int64_t{1} << doublings)));
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kYieldFor = std::chrono::milliseconds(1);
  static constexpr auto kCeiling = std::chrono::microseconds(250);
  Clock::time_point idle_since_{};
  std::chrono::microseconds ceiling_ = kCeiling;
};

}  // namespace schedlab::distributed
