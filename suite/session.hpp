// Where a running suite is, for a stop that a task does not heed (cli/stop_watchdog.hpp): the
// run loop says which cell it is running; the watchdog, from its own thread, takes the result
// so far with that cell marked as the stop left it, and writes it before the process exits.
#pragma once

#include <mutex>
#include <string>

#include "schedlab/reports/results.hpp"

namespace schedlab::suite {

// How a stop leaves the cell it interrupts: a timeout (`timeout` says which) fails it as timed
// out; a signal (`timeout` empty) marks it interrupted. The run loop and the watchdog agree.
void mark_stopped(reports::Cell& cell, const std::string& timeout);

class SuiteSession {
 public:
  explicit SuiteSession(int warmup) : warmup_(warmup) {}
  // The run loop: `current` (cell `index` of the suite) runs now, after the cells of `done`.
  // Both must outlive the run; they are read only while a task runs (the loop is then waiting).
  void running(const reports::SuiteResult& done, const reports::Cell& current, size_t index);
  // The cells done, and the one running marked as the current stop leaves it, aggregated.
  reports::SuiteResult partial() const;
  // The run loop changes the result through this, so that partial() (on another thread) never
  // copies it half-changed.
  template <class F>
  void changing(F&& change) {
    std::lock_guard lock(mutex_);
    change();
  }

 private:
  mutable std::mutex mutex_;
  const reports::SuiteResult* done_ = nullptr;
  const reports::Cell* current_ = nullptr;
  size_t index_ = 0;
  int warmup_;
};

}  // namespace schedlab::suite
