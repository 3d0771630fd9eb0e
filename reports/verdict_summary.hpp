// What every report opens with: the lessons judged by their claims, then, apart, how close the
// predictor came. Shared by the console, Markdown and HTML views so that they say the same.
#pragma once

#include <string>

#include "schedlab/reports/results.hpp"
#include "schedlab/reports/table.hpp"

namespace schedlab::reports {

// "6 of 7 lessons held, 1 inconclusive." ("" for a run without lesson verdicts).
std::string verdict_headline(const SuiteResult& r);
// What a lesson's verdict means, for the line under the headline.
std::string verdict_rule();
// "7 of 7 cells within (furthest threads/4 1.04x)": the predictor's accuracy for one scenario.
std::string prediction_summary(const SuiteResult& r, const std::string& scenario);
// Per lesson verdict: lesson, notebook, takeaway, verdict (with its reason), prediction.
Table verdict_table(const SuiteResult& r);
// "threads, 2 workers" or, for processes of threads, "distributed, 2x2".
std::string cell_shape(const Cell& c);

}  // namespace schedlab::reports
