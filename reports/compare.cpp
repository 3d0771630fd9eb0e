#include "schedlab/reports/compare.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "schedlab/core/errors.hpp"
#include "schedlab/reports/html_page.hpp"
#include "schedlab/reports/svg_chart.hpp"
#include "schedlab/reports/table.hpp"

namespace schedlab::reports {

bool beyond_noise(const Statistics& o, const Statistics& n) {
  const double diff = std::abs(n.median - o.median);
  const double noise = 3 * 1.4826 * std::max(o.mad, n.mad);
  return diff > noise && diff > 0.02 * o.median;
}

Comparison compare_runs(const SuiteResult& old_run, const SuiteResult& new_run) {
  Comparison out;
  auto find = [](const SuiteResult& run, const std::string& id) -> const Cell* {
    auto it = std::find_if(run.cells.begin(), run.cells.end(),
                           [&](const Cell& c) { return c.id() == id; });
    return it == run.cells.end() ? nullptr : &*it;
  };
  for (const SuiteResult* run : {&old_run, &new_run}) {
    for (const Cell& c : run->cells) {
      if (c.wall.median < 0 || c.wall.min < 0) {
        throw UsageError(fmt::format("cell {}: a negative time ({} ms) is not a measurement",
                                     c.id(), c.wall.min));
      }
    }
  }
  for (const Cell& n : new_run.cells) {
    ComparedCell c{n.id(), n.scheduler, find(old_run, n.id()), &n, 0, ""};
    if (!c.old_cell) {
      c.verdict = "new cell";
    } else if (!c.old_cell->error.empty() || !n.error.empty() || c.old_cell->wall.n == 0 ||
               n.wall.n == 0) {
      c.verdict = "failed in one run";
    } else {
      const Statistics &o = c.old_cell->wall, &w = n.wall;
      c.ratio = o.median > 0 ? w.median / o.median : 0;
      c.verdict = "within noise";
      if (o.median == 0) {
        c.verdict = "old median is 0: no ratio";
      } else if (beyond_noise(o, w)) {
        c.verdict = c.ratio < 1 ? "faster" : "slower";
        ++(c.ratio < 1 ? out.faster : out.slower);
      }
    }
    out.cells.push_back(std::move(c));
  }
  for (const Cell& o : old_run.cells) {
    if (!find(new_run, o.id()))
      out.cells.push_back({o.id(), o.scheduler, &o, nullptr, 0, "missing in new"});
  }
  return out;
}

void check_comparable(const SuiteResult& old_run, const SuiteResult& new_run) {
  if (old_run.context.unit_ms != new_run.context.unit_ms) {
    throw UsageError(fmt::format(
        "the runs use different units (old {:g} ms, new {:g} ms), so their times do not "
        "compare: run both with the same --unit (or give --force)",
        old_run.context.unit_ms, new_run.context.unit_ms));
  }
  // Per lesson in both runs: the variants (parameters, GIL) each ran.
  auto variants = [](const SuiteResult& run, const std::string& scenario) {
    std::set<std::string> out;
    for (const Cell& c : run.cells) {
      if (c.scenario == scenario)
        out.insert((c.params.empty() ? "defaults" : c.params) + (c.gil ? " with the GIL" : ""));
    }
    return out;
  };
  for (const Cell& c : new_run.cells) {
    const std::set<std::string> o = variants(old_run, c.scenario),
                                n = variants(new_run, c.scenario);
    if (!o.empty() && o != n) {
      throw UsageError(fmt::format(
          "{} ran as {} in the old run but as {} in the new one: compare runs of the same "
          "parameters and GIL setting (or give --force)",
          c.scenario, fmt::join(o, ", "), fmt::join(n, ", ")));
    }
  }
}

namespace {

// "Old: DATE (commit C). New: ... 1 cell faster, 0 slower beyond the noise."
std::string headline(const SuiteResult& old_run, const SuiteResult& new_run,
                     const Comparison& cmp) {
  return fmt::format(
      "Old: {} (commit {}). New: {} (commit {}). {} cell{} faster, {} slower beyond the noise.",
      old_run.context.date, old_run.context.commit, new_run.context.date, new_run.context.commit,
      cmp.faster, cmp.faster == 1 ? "" : "s", cmp.slower);
}

std::string median_text(const Cell* c) {
  return c && c->error.empty() && c->wall.n > 0 ? fmt::format("{:.1f}", c->wall.median) : "";
}

}  // namespace

std::string compare_markdown(const SuiteResult& old_run, const SuiteResult& new_run,
                             const Comparison& cmp) {
  Table t{{"cell", "old median ms", "new median ms", "new/old", "verdict"},
          {false, true, true, true, false},
          {}};
  for (const ComparedCell& c : cmp.cells) {
    t.rows.push_back({c.id, median_text(c.old_cell), median_text(c.new_cell),
                      c.ratio > 0 ? fmt::format("{:.3f}", c.ratio) : "", c.verdict});
  }
  return "# schedlab compare\n\n" + markdown_escape(headline(old_run, new_run, cmp)) + "\n\n" +
         markdown_table(t);
}

std::string compare_html(const SuiteResult& old_run, const SuiteResult& new_run,
                         const Comparison& cmp) {
  std::vector<BarRow> bars;
  std::string rows;
  for (const ComparedCell& c : cmp.cells) {
    if (c.ratio > 0) {
      bars.push_back({c.id, c.scheduler, c.new_cell->wall.median, c.old_cell->wall.median, ""});
    }
    rows += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"verdict {}\">{}</td></tr>\n",
        xml_escape(c.id), median_text(c.old_cell), median_text(c.new_cell),
        c.ratio > 0 ? fmt::format("{:.3f}", c.ratio) : "",
        c.verdict == "faster" || c.verdict == "slower" ? c.verdict : "", xml_escape(c.verdict));
  }
  Palette palette;
  std::string body = "<header><h1>schedlab compare</h1><p>" +
                     xml_escape(headline(old_run, new_run, cmp)) + "</p></header>\n";
  if (!bars.empty()) {
    body += fmt::format(
        "<figure>{}<figcaption>New median (bar) against the old one (tick), new/old in "
        "brackets. Hover for the figures; click a scheduler to hide or show it.</figcaption>"
        "</figure>\n",
        bar_and_tick_chart(bars, palette, {.bar = "new", .tick = "old"}));
  }
  body += fmt::format(
      "<table><thead><tr><th>cell</th><th>old median ms</th><th>new median ms</th>"
      "<th>new/old</th><th>verdict</th></tr></thead><tbody>\n{}</tbody></table>\n",
      rows);
  return html_page("schedlab compare", body);
}

}  // namespace schedlab::reports
