// The console view of a run (`schedlab run` prints it when the run ends).
#include "schedlab/reports/console_view.hpp"

#include <fmt/format.h>

#include "schedlab/reports/table.hpp"
#include "schedlab/reports/verdict_summary.hpp"

namespace schedlab::reports {

// The lessons first, judged by their claims: "Lessons: 6 of 7 lessons held." and a line each.
std::string console_verdicts(const SuiteResult& r) {
  if (r.lesson_verdicts.empty()) return "";
  Table t{{"lesson", "verdict", "notebook: takeaway"}, {false, false, false}, {}};
  for (const LessonVerdict& v : r.lesson_verdicts) {
    t.rows.push_back({v.scenario, v.verdict, v.notebook + ": " + v.takeaway});
  }
  std::string out = "\nLessons: " + verdict_headline(r) + "\n" + console_table(t);
  for (const LessonVerdict& v : r.lesson_verdicts) {
    if (!v.reason.empty()) out += fmt::format("{} is {}: {}\n", v.scenario, v.verdict, v.reason);
  }
  return out;
}

std::string console_summary(const SuiteResult& r) {
  Table t{{"scenario", "params", "scheduler", "workers", "gil", "median ms", "predicted",
           "meas/pred", "speedup", "notes"},
          {false, false, false, true, false, true, true, true, true, false},
          {}};
  for (const Cell& c : r.cells) {
    std::string notes = c.error.empty() ? "" : "FAILED: " + c.error;
    if (c.interrupted) notes = "interrupted";
    if (c.timed_out) notes = c.error;
    for (const Warning& w : c.warnings) append(notes, "; ", w.kind);
    t.rows.push_back({c.scenario, c.all_params(), c.scheduler, c.workers_text(), c.gil ? "on" : "",
                      c.wall.n ? fmt::format("{:.1f}", c.wall.median) : "",
                      fmt::format("{:.1f}", c.predicted_ms),
                      c.wall.n ? fmt::format("{:.2f}", c.ratio()) : "",
                      c.speedup > 0 ? fmt::format("{:.2f}x", c.speedup) : "", notes});
  }
  return console_table(t);
}

}  // namespace schedlab::reports
