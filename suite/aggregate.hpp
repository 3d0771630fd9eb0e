// From repetitions to figures: per cell the wall-time statistics, median CPU time, peak RSS,
// bytes moved, speedup and efficiency against the baseline cell of the same scenario,
// parameters and GIL setting, the warnings the numbers call for, and the lessons judged by
// their claims (suite/lesson_verdicts.hpp). Pure: no clocks, no runs.
#pragma once

#include "schedlab/reports/results.hpp"

namespace schedlab::suite {

// Recomputes every cell's figures from its repetitions (after each cell of a run, so that an
// interrupted suite still has them). `warmup`: unmeasured runs per cell, for the warnings.
void aggregate(reports::SuiteResult& result, int warmup);

}  // namespace schedlab::suite
