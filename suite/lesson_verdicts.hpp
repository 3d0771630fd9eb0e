// Lessons judged by what they teach. Each lesson scenario declares its notebook's claims as
// data (kernels/scenarios.hpp: "threads with 2 workers take as long as sync"); here each claim
// is checked on the cells of a run, as a ratio of medians, which cancels most of what a
// machine adds to both sides. The predictor's accuracy is judged apart (Cell::held).
//
// A claim fails only on runs the machine did not starve: when other programs took at least
// reports::kBusyShare of the CPU while one of its cells ran, or a computing claim needs more
// cores than the machine has, a miss is "inconclusive", never "not held".
#pragma once

#include <vector>

#include "schedlab/reports/results.hpp"

namespace schedlab::suite {

// How far a measured ratio may be from the claimed one, as a factor either way.
inline constexpr double kSleepingClaimTolerance = 1.10, kComputingClaimTolerance = 1.20;

// One verdict per lesson scenario with claims among the run's cells, in the order they ran.
// Schedulers are told apart by their registry traits; a cell of a scheduler this build does not
// have is left out.
std::vector<reports::LessonVerdict> judge_lessons(const reports::SuiteResult& result);

}  // namespace schedlab::suite
