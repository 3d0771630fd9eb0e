// report.md: per scenario, the lesson and a table of measured against predicted. Written to
// read well rendered on a code-hosting site and to paste into a course page.
#include <fmt/format.h>

#include <algorithm>

#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/table.hpp"
#include "schedlab/reports/timeline.hpp"
#include "schedlab/reports/verdict_summary.hpp"

namespace schedlab::reports {
namespace {

// A relative link, so that it works where the report folder is pushed to a code-hosting site.
std::string timeline_link(const Cell& c) {
  std::string label = c.scheduler + " " + c.workers_text() + (c.gil ? " GIL" : "");
  if (!c.params.empty()) label += " " + c.params;
  return "[" + markdown_escape(label) + "](" + timeline_path(c) + ")";
}

std::string notes(const Cell& c) {
  std::vector<std::string> parts;
  if (c.gil) parts.push_back("GIL on");
  if (c.bytes_moved > 0) parts.push_back(fmt::format("{:.1f} KB serialised", c.bytes_moved / 1e3));
  if (!c.warnings.empty())
    parts.push_back(
        fmt::format("{} warning{}", c.warnings.size(), c.warnings.size() > 1 ? "s" : ""));
  if (c.interrupted) parts.push_back("interrupted");
  if (c.timed_out) parts.push_back("timed out");
  std::string out;
  for (const std::string& p : parts) append(out, ", ", p);
  return out;
}

class MarkdownReporter final : public Reporter {
 public:
  Files render(const SuiteResult& r) const override {
    const Context& c = r.context;
    std::string out = "# schedlab report\n\n";
    if (r.interrupted)
      out +=
          "**Interrupted**: the suite was stopped before the end; what was measured is below.\n\n";
    if (r.timed_out)
      out +=
          "**Timed out**: a cell ran past --timeout or --task-timeout, which ended the suite; "
          "what was measured is below.\n\n";
    out += fmt::format(
        "Measured on {} ({} cores, load {:.2f} {:.2f} {:.2f}) on {} with schedlab {} (commit "
        "{}), {} {} build. One unit = {} ms; {} runs per cell after {} warm-up run{}.\n",
        markdown_escape(c.cpu_model.empty() ? "an unknown CPU" : c.cpu_model), c.cores,
        c.load_avg[0], c.load_avg[1], c.load_avg[2], markdown_escape(c.date),
        markdown_escape(c.version), markdown_escape(c.commit), markdown_escape(c.build_type),
        markdown_escape(c.compiler), c.unit_ms, c.repeat, c.warmup, c.warmup == 1 ? "" : "s");
    for (const auto& [k, v] : c.user)
      out += fmt::format("- {}: {}\n", markdown_escape(k), markdown_escape(v));
    out +=
        "\nThe same with charts and graph pictures: [report.html](report.html) (open it in a "
        "browser; it needs no network).\n";
    out += fmt::format(
        "\nTimes are medians in milliseconds. *Predicted* comes from simulating a "
        "greedy schedule of the graph (`schedlab predict`); *speedup* is relative to "
        "`{}` on the same scenario; *efficiency* is speedup per worker.\n",
        markdown_escape(speedup_baseline_name(r)));
    if (!r.lesson_verdicts.empty()) {
      out += fmt::format("\n## Lessons\n\n**{}** {}\n\n{}", markdown_escape(verdict_headline(r)),
                         markdown_escape(verdict_rule()), markdown_table(verdict_table(r)));
      for (const LessonVerdict& v : r.lesson_verdicts) {
        out += fmt::format("\n{}:\n", markdown_escape(v.scenario));
        for (const ClaimVerdict& claim : v.claims) {
          out +=
              fmt::format("- {}: **{}**{}\n", markdown_escape(claim.text), claim.verdict,
                          claim.detail.empty() ? "" : " (" + markdown_escape(claim.detail) + ")");
        }
      }
    }

    for (const std::string& scenario : scenarios_in_order(r)) {
      out += fmt::format("\n## {}\n\n", markdown_escape(scenario));
      auto lesson = r.lessons.find(scenario);
      if (lesson != r.lessons.end()) out += markdown_escape(lesson->second) + "\n\n";
      Table t{{"params", "scheduler", "workers", "measured", "predicted", "measured/predicted",
               "speedup", "efficiency", "notes"},
              {false, false, true, true, true, true, true, true, false},
              {}};
      std::vector<const Cell*> warned;
      std::string links;
      for (const Cell& cell : r.cells) {
        if (cell.scenario != scenario) continue;
        if (!cell.error.empty()) {
          t.rows.push_back({cell.all_params(), cell.scheduler, cell.workers_text(), "failed",
                            ms_figure(cell.predicted_ms), "", "", "", cell.error});
          continue;
        }
        t.rows.push_back(
            {cell.all_params(), cell.scheduler, cell.workers_text(),
             fmt::format("{} ± {}", ms_figure(cell.wall.median), ms_figure(cell.wall.stddev)),
             ms_figure(cell.predicted_ms), fmt::format("{:.2f}", cell.ratio()),
             cell.speedup > 0 ? fmt::format("{:.2f}x", cell.speedup) : "",
             cell.speedup > 0 ? fmt::format("{:.0f}%", 100 * cell.efficiency) : "", notes(cell)});
        if (cell.profiled()) links += (links.empty() ? "" : " · ") + timeline_link(cell);
        if (!cell.warnings.empty()) warned.push_back(&cell);
      }
      out += markdown_table(t);
      if (!links.empty()) out += "\nTimelines: " + links + "\n";
      if (const Cell* cell = explained_cell(r, scenario)) {
        out += fmt::format("\nWhy {} ms on {} with 2 workers{}:\n\n", ms_figure(cell->predicted_ms),
                           markdown_escape(cell->scheduler), cell->gil ? " and the GIL" : "");
        for (const std::string& line : cell->reasoning) out += "- " + markdown_escape(line) + "\n";
      }
      if (!warned.empty()) {
        out += "\nWarnings:\n\n";
        for (const Cell* cell : warned) {
          for (const Warning& w : cell->warnings) {
            out +=
                fmt::format("- {}: {}\n", markdown_escape(cell->id()), markdown_escape(w.message));
          }
        }
      }
    }
    return {{"report.md", out}};
  }
};

}  // namespace

std::unique_ptr<Reporter> markdown_reporter() {
  return std::make_unique<MarkdownReporter>();
}

}  // namespace schedlab::reports
