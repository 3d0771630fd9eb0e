// Running a prepared suite: each cell once traced and sampled (the profile, unmeasured), then
// `warmup` + `repeat` times untraced, the last `repeat` measured. A cell that fails is recorded
// with its error and the suite goes on; Ctrl-C stops it and keeps what was measured, marked
// interrupted.
#pragma once

#include <functional>

#include "schedlab/reports/results.hpp"
#include "schedlab/suite/prepared.hpp"
#include "schedlab/suite/session.hpp"

namespace schedlab::suite {

struct Progress {
  std::function<void(size_t index, size_t total, const reports::Cell& cell, int run, int runs)>
      run_started;
  std::function<void(size_t index, size_t total, const reports::Cell& cell)> cell_finished;
  Observer* watcher = nullptr;  // watches every run of every cell (the live view)
};

// after_cell is called with the result so far after every cell, so that reports can be
// rewritten and survive an interrupt; `session` (if any) is told which cell runs, for a stop
// that a task does not heed.
reports::SuiteResult run_suite(const PreparedSuite& suite, const Progress& progress,
                               const std::function<void(const reports::SuiteResult&)>& after_cell,
                               SuiteSession* session = nullptr);

}  // namespace schedlab::suite
