// The time per op of a run (schedulers/op_profile.hpp) as a text table, longest first, as
// IPython's %prun prints one.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "schedlab/reports/results.hpp"
#include "schedlab/schedulers/op_profile.hpp"

namespace schedlab {

std::string profile_table(std::span<const OpTimes> ops);
// The same for a profile run summarised beyond reports::kMaxTaskRecords tasks: its waits are
// kept for the whole run only, so the table says those instead of a share per op.
std::string profile_table(std::span<const OpTimes> ops, const reports::Repetition& profile);

// The time per op of a suite cell's profile run (its traced, unmeasured run), from what the
// result keeps of it: each task's record, or beyond reports::kMaxTaskRecords tasks each worker's
// busy time per op (exact totals, no waits: those are kept per task only). Longest first.
std::vector<OpTimes> op_times_of(const reports::Repetition& profile);

}  // namespace schedlab
