// `schedlab report compare OLD.json NEW.json`: cells matched by id, the ratio NEW/OLD of their
// medians, and whether the change is real: a Mann-Whitney U test over the repetitions of both
// runs plus a smallest change worth a verdict. As Markdown, JSON for scripts, and an HTML page
// with a chart. For CI, the gate: what in NEW should fail a build.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

struct CompareOptions {
  double threshold = 0.05;  // the smallest change called faster or slower: 5%
  double alpha = 0.05;      // the largest p-value of a real change
  // Files a side (combine_runs): above 1, a cell's samples are its runs' medians.
  size_t old_files = 1, new_files = 1;
};

struct ComparedCell {
  std::string id, scheduler;
  const Cell *old_cell = nullptr, *new_cell = nullptr;  // null where a run lacks the cell
  double ratio = 0;                                     // new/old medians, where both measured
  double p = -1;  // the test's two-sided p-value; -1 where no test was made
  // "faster", "slower", "within noise", "new cell", "missing in new", "failed in new",
  // "failed in old", "old median is 0: no ratio"; "faster"/"slower" with " (untested)" where
  // a run had too few repetitions for a test and the change is beyond the threshold.
  std::string verdict;
};

struct Comparison {
  CompareOptions options;
  std::vector<ComparedCell> cells;  // NEW's order, then cells only OLD has
  size_t faster = 0, slower = 0, failed_in_new = 0, missing_in_new = 0;
  // What differs between the machines or builds of the two runs: "host: a -> b", for host, CPU
  // model, core count, build type and schedlab version.
  std::vector<std::string> context_changes;
  std::vector<std::string> warnings;  // said once: too few repetitions for the test, ...
  // Why the gate fails (empty: it passes): slower cells, cells failed or missing in NEW, and
  // unless allowed, a changed context.
  std::vector<std::string> gate_failures(bool allow_context_change) const;
};

// The cells point into the two runs, which must outlive the result. A cell whose median is
// negative is a UsageError naming it; an old median of 0 gives no ratio and no verdict.
//
// A cell is "slower" (or "faster") when its median moved by more than options.threshold and
// the U test over both runs' repetitions gives p <= alpha. Where the runs are too few for any
// ordering to reach alpha (3 a side: p >= 0.1), the smallest p-value they can give counts
// instead (every new repetition beyond every old one), and a warning says how many runs a test
// at alpha needs (4 for 0.05). With fewer than 3 no test is possible: the
// threshold alone decides ("slower (untested)") and a warning says so.
Comparison compare_runs(const SuiteResult& old_run, const SuiteResult& new_run,
                        const CompareOptions& options = {});

// Runs of one side as one: a cell is sampled once per run, by its median there (both sides are
// reduced so when either has several runs, so that like is tested against like). The
// repetitions of one run share one process, and a cell can sit in one mode for all of them and
// another in the next process (docs/REPORTS.md, "What the gate cannot see"); only runs of
// several processes show that noise to the test. A cell failed in any run is failed; a cell
// missing from any run is missing. Each run must be comparable with the first
// (check_comparable); the context is the first's. `files` names the runs in errors.
SuiteResult combine_runs(std::vector<SuiteResult> runs, const std::vector<std::string>& files);

// Throws UsageError saying how, where the two runs do not measure the same thing: another
// unit, or a lesson run with other parameters or another GIL setting in one of them.
void check_comparable(const SuiteResult& old_run, const SuiteResult& new_run);

// The comparison (from compare_runs) as Markdown, as JSON for scripts, and as an HTML page.
std::string compare_markdown(const SuiteResult& old_run, const SuiteResult& new_run,
                             const Comparison& cmp);
nlohmann::json compare_json(const SuiteResult& old_run, const SuiteResult& new_run,
                            const Comparison& cmp, bool allow_context_change);
std::string compare_html(const SuiteResult& old_run, const SuiteResult& new_run,
                         const Comparison& cmp);

}  // namespace schedlab::reports
