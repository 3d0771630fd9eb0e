// Small helpers shared by the lesson examples: a time unit (the lessons' "1 second"), %time,
// and running a computation on a scheduler only if this build has it.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "schedlab/core/delayed.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace lesson {

// The lessons sleep 1 s per slow call; we sleep `unit` ms (first argument, default 200).
inline double unit_ms(int argc, char** argv) {
  return argc > 1 ? std::atof(argv[1]) : 200.0;
}

// Dask's %time around compute(): prints the value and the wall time in units.
inline void time_compute(const std::string& label, const schedlab::Delayed& d,
                         const std::string& scheduler, unsigned workers, double unit) {
  if (!schedlab::SchedulerRegistry::global().has(scheduler)) {
    fmt::print("{:<44} (scheduler '{}' is not in this build)\n", label, scheduler);
    return;
  }
  auto r = schedlab::compute(d, {.scheduler = scheduler, .workers = workers});
  fmt::print("{:<44} = {:<8} wall {:7.1f} ms = {:.2f} units\n", label,
             schedlab::to_display(r.values[0]), r.stats.wall_ms, r.stats.wall_ms / unit);
}

}  // namespace lesson
