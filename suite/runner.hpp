// The suite runner behind `schedlab run`: a matrix of scenarios x schedulers x worker counts
// x parameters, each cell run `warmup` + `repeat` times, predicted, measured and recorded in
// one SuiteResult. A cell that fails is recorded with its error and the suite goes on;
// Ctrl-C stops it and keeps what was measured, marked interrupted.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kernels/scenarios.hpp"
#include "reports/results.hpp"

namespace schedlab::suite {

struct CellSpec {
  std::string scenario;
  kernels::Params params;
  std::string scheduler;
  unsigned workers = 1;
  bool gil = false;
};

struct SuiteSpec {
  std::vector<CellSpec> cells;
  int repeat = 3;
  int warmup = 0;
  double unit_ms = 100;
  std::string data_dir;
  std::map<std::string, std::string> context;  // --context key=value
};

// Every lesson scenario on every available scheduler at 1, 2 and 4 workers (sync at 1), with
// the lessons' variants (chain and fan-in sums, fib with and without the GIL).
SuiteSpec classroom_suite();

// The cross product of the lists; an empty list means "all" (scenarios: the lessons;
// schedulers: every available one; workers: 1, 2, 4). sync runs at 1 worker only.
SuiteSpec matrix_suite(const std::vector<std::string>& scenarios,
                       const std::vector<std::string>& schedulers,
                       const std::vector<unsigned>& workers,
                       const std::vector<kernels::Params>& param_sets, bool gil);

// A suite file (JSON):
//   {"unit_ms": 50, "repeat": 3, "warmup": 1,
//    "cells": [{"scenario": "inc-dbl", "params": {"reduce": "chain"},
//               "schedulers": ["threads", "processes"], "workers": [1, 2], "gil": false}]}
// Every field but "cells" (and each cell's "scenario") is optional. Throws UsageError with
// the file and the field at fault.
SuiteSpec load_suite_file(const std::string& path);

struct Progress {
  std::function<void(size_t index, size_t total, const reports::Cell& cell, int run, int runs)>
      run_started;
  std::function<void(size_t index, size_t total, const reports::Cell& cell)> cell_finished;
};

// Checks every cell (scenario, parameters, scheduler) before anything runs: throws UsageError.
void validate_suite(const SuiteSpec& spec);

// Predicted total time of the suite in ms (what a progress line can promise).
double estimate_ms(const SuiteSpec& spec);

// Runs the suite. after_cell is called with the result so far after every cell, so that
// reports can be rewritten and survive an interrupt.
reports::SuiteResult run_suite(const SuiteSpec& spec, const Progress& progress,
                               const std::function<void(const reports::SuiteResult&)>& after_cell);

// Prediction of one scenario on one scheduler, with compute times calibrated by running the
// graph once on `sync` without its sleeps.
struct CellPrediction {
  double predicted_ms = 0, bound_ms = 0, work_ms = 0, span_ms = 0, compute_ms = 0;
  std::vector<std::string> reasoning;
};
CellPrediction predict_graph(const Graph& graph, std::span<const NodeId> targets,
                             const std::string& scheduler, unsigned workers, bool gil);

}  // namespace schedlab::suite
