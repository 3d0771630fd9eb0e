// `schedlab report compare OLD.json NEW.json`: cells matched by id, the ratio NEW/OLD of their
// medians, and whether the difference is beyond the noise of either run; as Markdown, and as
// an HTML page with a chart.
#pragma once

#include <string>
#include <vector>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

// Beyond the noise: |new - old| exceeds both 3 robust standard deviations (1.4826 * MAD) of
// the noisier run and 2% of the old median.
bool beyond_noise(const Statistics& old_stats, const Statistics& new_stats);

struct ComparedCell {
  std::string id, scheduler;
  const Cell *old_cell = nullptr, *new_cell = nullptr;  // null where a run lacks the cell
  double ratio = 0;                                     // new/old medians, where both measured
  std::string verdict;  // "faster", "slower", "within noise", "new cell", "missing in new", ...
};
struct Comparison {
  std::vector<ComparedCell> cells;  // NEW's order, then cells only OLD has
  size_t faster = 0, slower = 0;
};
// The cells point into the two runs, which must outlive the result. A cell whose median is
// negative is a UsageError naming it; an old median of 0 gives no ratio and no verdict.
Comparison compare_runs(const SuiteResult& old_run, const SuiteResult& new_run);

// Throws UsageError saying how, where the two runs do not measure the same thing: another
// unit, or a lesson run with other parameters or another GIL setting in one of them.
void check_comparable(const SuiteResult& old_run, const SuiteResult& new_run);

// The comparison of the two runs (from compare_runs) as Markdown and as an HTML page.
std::string compare_markdown(const SuiteResult& old_run, const SuiteResult& new_run,
                             const Comparison& cmp);
std::string compare_html(const SuiteResult& old_run, const SuiteResult& new_run,
                         const Comparison& cmp);

}  // namespace schedlab::reports
