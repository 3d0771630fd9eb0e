// Times that travel between processes: steady-clock nanoseconds since its epoch
// (CLOCK_MONOTONIC, so comparable between processes of one host).
#pragma once

#include <chrono>
#include <cstdint>

#include "schedlab/schedulers/observer.hpp"

namespace schedlab {

inline int64_t ns_since_epoch(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline int64_t now_ns() {
  return ns_since_epoch(Clock::now());
}
inline Clock::time_point from_ns(int64_t ns) {
  return Clock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace schedlab
