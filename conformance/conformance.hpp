// The conformance suite as a library: every case a scheduler must pass (same results as `sync`,
// errors with key, op and message, no task after a failure, the trace, locks and the GIL, the
// start order its declared policy promises...), run on any registered scheduler. `schedlab
// conformance -s NAME` runs it from the command line (or conformance::run from a program that
// registered its schedulers first). A GoogleTest program gets the cases as tests by linking
// schedlab::conformance whole-archive: its main registers its schedulers, calls set_targets
// if it wants other targets than every registered scheduler, then InitGoogleTest and
// RUN_ALL_TESTS (gtest_main would initialise before anything is registered).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace schedlab::conformance {

// A scheduler at a number of workers (threads per worker: schedulers of processes of threads).
struct Target {
  std::string scheduler;
  unsigned workers = 1;
  unsigned threads = 1;

  std::string name() const;       // "threads w=2", "distributed w=2x2"
  std::string test_name() const;  // "threads_2", "my_pool_2": GoogleTest's (letters, digits, _)
  bool operator==(const Target&) const = default;
};

// These schedulers (by name or alias) at these worker counts; schedulers of processes of threads
// at `threads` per worker, or at 1 and 2 when it is 0. A scheduler with a fixed worker count
// (sync) is checked once. UsageError for an unknown name.
std::vector<Target> targets_for(const std::vector<std::string>& schedulers,
                                const std::vector<unsigned>& workers, unsigned threads = 0);
// Every registered scheduler at 1, 2 and 4 workers (and 2 threads per worker for clusters).
std::vector<Target> every_registered_target();

// The targets the cases are instantiated for, every_registered_target() unless set. Must be
// set before GoogleTest is initialised: it turns each (case, target) into a test then.
void set_targets(std::vector<Target> targets);
const std::vector<Target>& targets();

struct Options {
  std::vector<Target> targets;  // empty: every_registered_target()
  // Case names to run, glob patterns separated by ',' (`Trace*,SlowArithmetic`); empty: all.
  std::string filter;
  bool list = false;  // print the cases that would run, run none
};

// Runs the cases on the targets, a line per case and target and a summary on `out` (failures
// with their messages). Returns 0 when none failed (skipped cases do not fail), 1 otherwise,
// 2 when the filter matches no case. Once per process: GoogleTest is initialised here.
int run(const Options& options, std::ostream& out);

}  // namespace schedlab::conformance
