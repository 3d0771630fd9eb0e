// A suite made ready to run: every distinct scenario instance built once, its compute times
// calibrated once, every cell predicted once. The time estimate and the run both read this, so
// nothing is built, calibrated or validated twice.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "schedlab/core/predict.hpp"
#include "schedlab/reports/results.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/suite/spec.hpp"

namespace schedlab::suite {

// Prediction of one graph on one scheduler.
struct CellPrediction {
  double predicted_ms = 0, bound_ms = 0, work_ms = 0, span_ms = 0, compute_ms = 0;
  std::vector<std::string> reasoning;
  std::string chain;                                  // the critical path's keys
  std::vector<std::string> slowed_by, not_slowed_by;  // as Prediction has them
  std::vector<reports::TaskRecord> schedule;          // the simulated run: who runs what, when
  reports::Occupancy occupancy;  // instead of schedule, beyond reports::kMaxTaskRecords tasks
};

// How a cell runs, for its prediction.
struct PredictionSettings {
  unsigned workers = 1;
  bool gil = false;
  unsigned threads_per_worker = 1;  // distributed
  bool fresh_pool = false;          // --pool fresh, where the scheduler keeps a pool
  unsigned chunksize = 1;           // --chunksize, likewise
  double second_ms = 0;             // > 0: the reasoning counts in a lesson's seconds
};

// Fixes glibc's malloc thresholds for the rest of the process (and the processes it forks: the
// calibration child, `processes` workers). Left to itself glibc moves them as large blocks are
// freed, so the same task ran 20-30% slower in a measured run (its blocks of a few MB, a
// table's columns, mapped and paged in anew each time) than in calibration, where the first
// run had moved them (the flights parser: 126 ms against 105 ms). For commands that measure
// over and over (`run`, `lesson`); not for loading one large graph file, where memory held
// from a vector's growth would cost more than it saves. The suite gives freed memory back
// between cells (malloc_trim), and idle workers theirs. What threads of a pool freed in their
// own arenas stays resident (malloc_trim cannot shrink those), so the run loop counts a cell's
// peak from where the cell began (suite/run_loop.cpp).
void use_steady_allocator();

// What every task costs (ms, indexed by node), measured in sleepless runs on the baseline
// scheduler: its compute time, and encoding and decoding its value once. A task that fails stops
// the measuring (costs stay 0) and is named in `failed`; the run will report it as the cell's
// error. The runs happen in a child process, so that the graph's own tasks never run in
// schedlab's process outside a run: a task that crashes the child, or runs past `limits` (3 runs
// of --timeout, or of --task-timeout per task), is a `failed` message too; Ctrl-C kills the
// child and throws Interrupted.
struct Calibration {
  TaskCosts costs;
  std::string failed;
  std::vector<std::string> not_run;  // ops of the user's that were not timed (not asked to)
};
Calibration calibrate(const Graph& graph, std::span<const NodeId> targets, Limits limits = {});

// How many copies of a graph calibration runs side by side: one per core, at most 8, and no
// more than half the memory available holds, each counted at the calibrating process's size
// (the graph and what its runs left in the allocator: at least what one run needs). 0 bytes
// available: not known, not capped.
unsigned side_by_side_copies(unsigned cores, uint64_t available_bytes, uint64_t process_bytes);

// The one prediction path (`run`, `predict` and `lesson`): `graph` on `scheduler` from its
// calibration. A calibration that failed or did not run the user's ops is said in the reasoning
// (the prediction then counts sleeps only), never dropped.
CellPrediction predict_cell(const Graph& graph, std::span<const NodeId> targets,
                            const Calibration& calibration, const SchedulerInfo& scheduler,
                            const PredictionSettings& settings);

// Calibrates `graph` and predicts it on `scheduler` (`schedlab predict`). Calibration runs the
// graph in a child process; a graph with ops that are not schedlab's own (Op::own) is run only
// when `calibrate_user_ops` (`predict --calibrate`): otherwise its compute times are unknown
// and the prediction says so and counts sleeps only.
CellPrediction predict_graph(const Graph& graph, std::span<const NodeId> targets,
                             const std::string& scheduler, const PredictionSettings& settings,
                             bool calibrate_user_ops = false);

class PreparedSuite {
 public:
  // Validates the spec (UsageError), then builds, calibrates and predicts. Calibration runs
  // here, before any cell, while no pool of an earlier cell is left spinning.
  explicit PreparedSuite(SuiteSpec spec);
  ~PreparedSuite();

  const SuiteSpec& spec() const { return spec_; }
  size_t size() const { return cells_.size(); }
  // Cell i as the reports describe it, predicted but not run yet.
  const reports::Cell& cell(size_t i) const { return cells_[i].cell; }
  const kernels::BuiltScenario& scenario(size_t i) const;
  const std::string& lesson(size_t i) const;
  size_t instances() const { return instances_.size(); }  // distinct graphs built
  // Predicted time of the whole suite, warm-up runs included (what a progress line promises).
  double estimate_ms() const;

 private:
  struct Instance;
  struct Prepared {
    reports::Cell cell;
    size_t instance;
  };
  SuiteSpec spec_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<Prepared> cells_;
};

}  // namespace schedlab::suite
