#include "schedlab/reports/verdict_summary.hpp"

#include <fmt/format.h>

#include <cmath>

namespace schedlab::reports {

std::string verdict_headline(const SuiteResult& r) {
  if (r.lesson_verdicts.empty()) return "";
  size_t held = 0, inconclusive = 0;
  for (const LessonVerdict& v : r.lesson_verdicts) {
    held += v.verdict == "held";
    inconclusive += v.verdict == "inconclusive";
  }
  const size_t n = r.lesson_verdicts.size();
  std::string out = fmt::format("{} of {} lesson{} held", held, n, n == 1 ? "" : "s");
  if (inconclusive > 0) out += fmt::format(", {} inconclusive", inconclusive);
  return out + ".";
}

std::string verdict_rule() {
  return "A lesson holds when every claim of its notebook that this run tests checks out on its "
         "cells, as a ratio of median times (within 10% where tasks sleep, 20% where they "
         "compute). A claim missed while other programs took the CPU is inconclusive, not a "
         "failure. How close the predictor came is a separate column.";
}

std::string prediction_summary(const SuiteResult& r, const std::string& scenario) {
  size_t held = 0, measured = 0;
  const Cell* worst = nullptr;
  for (const Cell& c : r.cells) {
    if (c.scenario != scenario || !c.measured() || c.predicted_ms <= 0) continue;
    ++measured;
    held += c.held();
    if (!worst || std::abs(std::log(c.ratio())) > std::abs(std::log(worst->ratio()))) worst = &c;
  }
  if (measured == 0) return "";
  return fmt::format("{} of {} cells within (furthest {}/{} at {:.2f}x)", held, measured,
                     worst->scheduler, worst->workers_text(), worst->ratio());
}

Table verdict_table(const SuiteResult& r) {
  Table t{{"lesson", "notebook", "takeaway", "verdict", "prediction"},
          {false, false, false, false, false},
          {}};
  for (const LessonVerdict& v : r.lesson_verdicts) {
    t.rows.push_back({v.scenario, v.notebook, v.takeaway,
                      v.reason.empty() ? v.verdict : v.verdict + ": " + v.reason,
                      prediction_summary(r, v.scenario)});
  }
  return t;
}

std::string cell_shape(const Cell& c) {
  if (c.threads > 1) return fmt::format("{}, {}", c.scheduler, c.workers_text());
  return fmt::format("{}, {} worker{}", c.scheduler, c.workers, c.workers == 1 ? "" : "s");
}

}  // namespace schedlab::reports
