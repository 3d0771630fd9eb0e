// Small helpers shared by the lesson examples: a time unit (the lessons' "1 second"), %time,
// and running a computation on a scheduler only if this build has it.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/duration.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace lesson {

// Checks the arguments: at most one, `--help`, or what `parse` accepts; prints usage or the
// error (exit 0 or 2) instead of guessing.
template <class Parse>
auto argument(int argc, char** argv, const char* usage, auto fallback, Parse parse) {
  const std::string_view arg = argc > 1 ? argv[1] : "";
  if (arg == "--help" || arg == "-h") {
    fmt::print("{}\n", usage);
    std::exit(0);
  }
  try {
    if (argc > 2) throw schedlab::UsageError("expected at most one argument");
    return argc > 1 ? parse(arg) : fallback;
  } catch (const schedlab::UsageError& e) {
    fmt::print(stderr, "{}: error: {}\n{}\n", argv[0], e.what(), usage);
    std::exit(2);
  }
}

// The lessons sleep 1 s per slow call; we sleep one unit (first argument: 200ms by default,
// "0.02s", "1s", or a number of milliseconds).
inline double unit_ms(int argc, char** argv) {
  return argument(argc, argv,
                  "usage: [UNIT]  the lessons' \"1 second\", e.g. 200ms (the default), 0.05s or 1s",
                  200.0, [](std::string_view s) { return schedlab::parse_duration_ms(s, "UNIT"); });
}

// Dask's %time around compute(): prints the value and the wall time in units.
inline void time_compute(const std::string& label, const schedlab::Delayed& d,
                         const std::string& scheduler, unsigned workers, double unit,
                         bool gil = false, unsigned threads_per_worker = 1) {
  if (!schedlab::SchedulerRegistry::global().has(scheduler)) {
    fmt::print("{:<44} (scheduler '{}' is not in this build)\n", label, scheduler);
    return;
  }
  auto r = schedlab::compute(d, {.scheduler = scheduler,
                                 .workers = workers,
                                 .threads_per_worker = threads_per_worker,
                                 .gil = gil});
  fmt::print("{:<44} = {:<8} wall {:7.1f} ms = {:.2f} units\n", label,
             schedlab::to_display(r.values[0]), r.stats.wall_ms, r.stats.wall_ms / unit);
}

}  // namespace lesson
