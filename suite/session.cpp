#include "schedlab/suite/session.hpp"

#include "schedlab/core/interrupt.hpp"
#include "schedlab/suite/aggregate.hpp"

namespace schedlab::suite {

void mark_stopped(reports::Cell& cell, const std::string& timeout) {
  if (timeout.empty()) {
    cell.interrupted = true;
  } else {
    cell.error = timeout;
    cell.timed_out = true;
  }
}

void SuiteSession::running(const reports::SuiteResult& done, const reports::Cell& current,
                           size_t index) {
  std::lock_guard lock(mutex_);
  done_ = &done;
  current_ = &current;
  index_ = index;
}

reports::SuiteResult SuiteSession::partial() const {
  std::lock_guard lock(mutex_);
  reports::SuiteResult r = done_ ? *done_ : reports::SuiteResult{};
  if (current_ && index_ == r.cells.size()) {
    reports::Cell c = *current_;
    // A signal wins over a timeout that passed meanwhile, as in the run loop.
    mark_stopped(c, interrupt_signal() == 0 ? unfinished_timeout() : std::string());
    r.interrupted |= c.interrupted;
    r.timed_out |= c.timed_out;
    r.cells.push_back(std::move(c));
    aggregate(r, warmup_);
  }
  return r;
}

}  // namespace schedlab::suite
