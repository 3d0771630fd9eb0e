// The console view of a run: the cells as a table (median, prediction, speedup, notes), then
// the lessons judged by their claims. Pure: it returns text, so that tests can read it.
#pragma once

#include <string>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

std::string console_summary(const SuiteResult& r);
// "Lessons: 6 of 7 lessons held." and a line per lesson; "" without lesson verdicts.
std::string console_verdicts(const SuiteResult& r);

}  // namespace schedlab::reports
