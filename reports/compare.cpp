#include "schedlab/reports/compare.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "schedlab/core/errors.hpp"
#include "schedlab/reports/html_page.hpp"
#include "schedlab/reports/mann_whitney.hpp"
#include "schedlab/reports/svg_chart.hpp"
#include "schedlab/reports/table.hpp"

namespace schedlab::reports {

namespace {

std::vector<double> walls(const Cell& c) {
  std::vector<double> out;
  for (const Repetition& r : c.reps) out.push_back(r.wall_ms);
  return out;
}

// Runs fewer than this give no test (a warning says so); 3 a side gives p = 0.1 at best.
constexpr size_t kFewestForATest = 3;

// Judges one cell measured in both runs: its ratio, p-value and verdict.
void judge(ComparedCell& c, const CompareOptions& options, Comparison& out) {
  const Statistics &o = c.old_cell->wall, &w = c.new_cell->wall;
  if (o.median == 0) {
    c.verdict = "old median is 0: no ratio";
    return;
  }
  c.ratio = w.median / o.median;
  const bool big = std::abs(c.ratio - 1) > options.threshold;
  const std::string direction = c.ratio < 1 ? "faster" : "slower";
  const std::vector<double> a = walls(*c.new_cell), b = walls(*c.old_cell);
  c.verdict = "within noise";
  if (a.size() < kFewestForATest || b.size() < kFewestForATest) {
    if (big) c.verdict = direction + " (untested)";
  } else {
    const RankTest t = mann_whitney(a, b);
    c.p = t.p;
    // The strongest evidence these sample sizes can give counts where it is weaker than alpha.
    const double alpha = std::max(options.alpha, smallest_p(a.size(), b.size()));
    if (big && t.p <= alpha * (1 + 1e-9)) c.verdict = direction;
  }
  if (c.verdict.starts_with("faster")) ++out.faster;
  if (c.verdict.starts_with("slower")) ++out.slower;
}

void compare_contexts(const Context& o, const Context& n, Comparison& out) {
  auto differ = [&](const char* what, const std::string& a, const std::string& b) {
    if (a != b) out.context_changes.push_back(fmt::format("{}: {} -> {}", what, a, b));
  };
  differ("host", o.hostname, n.hostname);
  differ("CPU model", o.cpu_model, n.cpu_model);
  differ("cores", std::to_string(o.cores), std::to_string(n.cores));
  differ("build type", o.build_type, n.build_type);
  differ("schedlab version", o.version, n.version);
}

void warn_about_repetitions(const CompareOptions& options, Comparison& out) {
  const bool files = options.old_files > 1 || options.new_files > 1;
  size_t fewest = SIZE_MAX;
  for (const ComparedCell& c : out.cells) {
    if (c.ratio > 0) fewest = std::min({fewest, c.old_cell->reps.size(), c.new_cell->reps.size()});
  }
  if (fewest == SIZE_MAX) return;
  // The fewest runs a side at which a test at this alpha is possible.
  size_t needed = kFewestForATest;
  while (needed < 25 && smallest_p(needed, needed) > options.alpha) ++needed;
  const std::string more = files ? fmt::format("give {} or more results.json a side", needed)
                                 : fmt::format("run with --repeat {}", needed);
  if (fewest < kFewestForATest) {
    out.warnings.push_back(fmt::format(
        "a cell has only {} measured run{} in one of the runs: no test is possible, so cells are "
        "called faster or slower by the {:.0f}% threshold alone (marked untested); {}{}",
        fewest, fewest == 1 ? "" : "s", 100 * options.threshold, more, files ? "" : " or more"));
  } else if (smallest_p(fewest, fewest) > options.alpha) {
    out.warnings.push_back(fmt::format(
        "{} runs a cell: no ordering of so few runs gives a p-value below {:.3f}, so a change "
        "is called real when it gets the smallest p-value they can give (every run of one side "
        "beyond every run of the other); {} for a test at {:g}",
        fewest, smallest_p(fewest, fewest), more, options.alpha));
  }
}

}  // namespace

SuiteResult combine_runs(std::vector<SuiteResult> runs, const std::vector<std::string>& files) {
  for (size_t i = 1; i < runs.size(); ++i) {
    try {
      check_comparable(runs.front(), runs[i]);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{} and {} cannot stand for one side: {}", files.front(),
                                   files[i], e.what()));
    }
  }
  SuiteResult out = runs.front();
  out.cells.clear();
  for (const Cell& first : runs.front().cells) {
    Cell cell = first;
    bool missing = false, failed = false;
    std::vector<Repetition> medians;
    for (const SuiteResult& run : runs) {
      auto it = std::find_if(run.cells.begin(), run.cells.end(),
                             [&](const Cell& c) { return c.id() == first.id(); });
      if (it == run.cells.end()) {
        missing = true;  // missing from one run: missing
        break;
      }
      if (!it->error.empty() || it->interrupted || it->timed_out) {
        cell = *it;  // failed in one run: failed
        failed = true;
        break;
      }
      if (!it->measured()) continue;
      // The run's repetition nearest its median stands for the run, with the median's time.
      auto nearest = std::min_element(
          it->reps.begin(), it->reps.end(), [&](const Repetition& a, const Repetition& b) {
            return std::abs(a.wall_ms - it->wall.median) < std::abs(b.wall_ms - it->wall.median);
          });
      Repetition r = *nearest;
      r.wall_ms = it->wall.median;
      medians.push_back(std::move(r));
    }
    if (missing) continue;
    if (!failed) {
      cell.reps = std::move(medians);
      std::vector<double> walls;
      for (const Repetition& r : cell.reps) walls.push_back(r.wall_ms);
      cell.wall = statistics(std::move(walls));
    }
    out.cells.push_back(std::move(cell));
  }
  return out;
}

std::vector<std::string> Comparison::gate_failures(bool allow_context_change) const {
  std::vector<std::string> out;
  auto count = [&](size_t n, const char* what) {
    if (n > 0) out.push_back(fmt::format("{} cell{} {}", n, n == 1 ? "" : "s", what));
  };
  count(slower, "slower beyond the noise");
  count(failed_in_new, "failed in the new run");
  count(missing_in_new, "missing from the new run");
  if (!allow_context_change && !context_changes.empty()) {
    out.push_back(
        fmt::format("the runs were made on different machines or builds ({}); give "
                    "--allow-context-change to compare them anyway",
                    fmt::join(context_changes, "; ")));
  }
  return out;
}

Comparison compare_runs(const SuiteResult& old_run, const SuiteResult& new_run,
                        const CompareOptions& options) {
  Comparison out;
  out.options = options;
  auto find = [](const SuiteResult& run, const std::string& id) -> const Cell* {
    auto it = std::find_if(run.cells.begin(), run.cells.end(),
                           [&](const Cell& c) { return c.id() == id; });
    return it == run.cells.end() ? nullptr : &*it;
  };
  for (const SuiteResult* run : {&old_run, &new_run}) {
    for (const Cell& c : run->cells) {
      for (double t : {c.wall.median, c.wall.min, c.wall.max}) {
        // (A year is 3.2e10 ms: beyond 1e12, a time is a typing error, not a run.)
        if (!(t >= 0 && t <= 1e12)) {
          throw UsageError(
              fmt::format("cell {}: {} ms is not a measured time (0 to 1e12 ms)", c.id(), t));
        }
      }
    }
  }
  for (const Cell& n : new_run.cells) {
    ComparedCell c{n.id(), n.scheduler, find(old_run, n.id()), &n, 0, -1, ""};
    if (!n.measured()) {
      // A cell that failed, or was never measured (an interrupted run), in NEW is what a gate
      // must not pass, whatever OLD did.
      c.verdict = "failed in new";
      ++out.failed_in_new;
    } else if (!c.old_cell) {
      c.verdict = "new cell";
    } else if (!c.old_cell->measured()) {
      c.verdict = "failed in old";
    } else {
      judge(c, options, out);
    }
    out.cells.push_back(std::move(c));
  }
  for (const Cell& o : old_run.cells) {
    if (!find(new_run, o.id())) {
      out.cells.push_back({o.id(), o.scheduler, &o, nullptr, 0, -1, "missing in new"});
      ++out.missing_in_new;
    }
  }
  compare_contexts(old_run.context, new_run.context, out);
  warn_about_repetitions(options, out);
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

// "DATE (commit C, course=pp101)": the run's own commit and the user's --context entries.
std::string run_label(const Context& c) {
  std::string tags = "commit " + c.commit;
  for (const auto& [k, v] : c.user) tags += fmt::format(", {}={}", k, v);
  return fmt::format("{} ({})", c.date, tags);
}

// "Old: ... New: ... 1 cell faster, 0 slower beyond the noise (U test, p <= 0.05, change > 5%)."
std::string headline(const SuiteResult& old_run, const SuiteResult& new_run,
                     const Comparison& cmp) {
  const CompareOptions& o = cmp.options;
  const std::string samples =
      o.old_files > 1 || o.new_files > 1
          ? fmt::format("the medians of {} runs against {}", o.old_files, o.new_files)
          : std::string("the repetitions");
  std::string out = fmt::format(
      "Old: {}. New: {}. {} cell{} faster, {} slower beyond the noise (Mann-Whitney U test over "
      "{}, p <= {:g}, and a change of more than {:g}%).",
      run_label(old_run.context), run_label(new_run.context), cmp.faster,
      cmp.faster == 1 ? "" : "s", cmp.slower, samples, o.alpha, 100 * o.threshold);
  if (cmp.failed_in_new > 0) out += fmt::format(" {} failed in the new run.", cmp.failed_in_new);
  if (cmp.missing_in_new > 0) {
    out += fmt::format(" {} missing from the new run.", cmp.missing_in_new);
  }
  return out;
}

// What comes after the headline: the machines or builds differ, too few runs for a test.
std::vector<std::string> notices(const Comparison& cmp) {
  std::vector<std::string> out;
  if (!cmp.context_changes.empty()) {
    out.push_back(
        fmt::format("Warning: the runs differ in {}.", fmt::join(cmp.context_changes, "; ")));
  }
  for (const std::string& w : cmp.warnings) out.push_back("Warning: " + w + ".");
  return out;
}

std::string median_text(const Cell* c) {
  return c && c->measured() ? fmt::format("{:.3f}", c->wall.median) : "";
}

std::string p_text(const ComparedCell& c) {
  return c.p < 0 ? "" : c.p < 0.001 ? "<0.001" : fmt::format("{:.3f}", c.p);
}

std::string runs_text(const ComparedCell& c) {
  auto n = [](const Cell* x) { return x ? std::to_string(x->reps.size()) : std::string("-"); };
  return n(c.old_cell) + " / " + n(c.new_cell);
}

}  // namespace

std::string compare_markdown(const SuiteResult& old_run, const SuiteResult& new_run,
                             const Comparison& cmp) {
  Table t{{"cell", "old median ms", "new median ms", "new/old", "p", "runs old/new", "verdict"},
          {false, true, true, true, true, true, false},
          {}};
  for (const ComparedCell& c : cmp.cells) {
    t.rows.push_back({c.id, median_text(c.old_cell), median_text(c.new_cell),
                      c.ratio > 0 ? fmt::format("{:.3f}", c.ratio) : "", p_text(c), runs_text(c),
                      c.verdict});
  }
  std::string out =
      "# schedlab compare\n\n" + markdown_escape(headline(old_run, new_run, cmp)) + "\n\n";
  for (const std::string& n : notices(cmp)) out += markdown_escape(n) + "\n\n";
  return out + markdown_table(t);
}

nlohmann::json compare_json(const SuiteResult& old_run, const SuiteResult& new_run,
                            const Comparison& cmp, bool allow_context_change) {
  using nlohmann::json;
  auto run = [](const SuiteResult& r) {
    return json{{"date", r.context.date},
                {"commit", r.context.commit},
                {"hostname", r.context.hostname},
                {"user", r.context.user}};
  };
  json cells = json::array();
  for (const ComparedCell& c : cmp.cells) {
    auto median = [](const Cell* x) {
      return x && x->measured() ? json(x->wall.median) : json(nullptr);
    };
    cells.push_back({{"id", c.id},
                     {"scheduler", c.scheduler},
                     {"old_median_ms", median(c.old_cell)},
                     {"new_median_ms", median(c.new_cell)},
                     {"ratio", c.ratio > 0 ? json(c.ratio) : json(nullptr)},
                     {"p_value", c.p >= 0 ? json(c.p) : json(nullptr)},
                     {"old_runs", c.old_cell ? json(c.old_cell->reps.size()) : json(nullptr)},
                     {"new_runs", c.new_cell ? json(c.new_cell->reps.size()) : json(nullptr)},
                     {"verdict", c.verdict}});
  }
  const std::vector<std::string> failures = cmp.gate_failures(allow_context_change);
  return {{"tool", "schedlab compare"},
          {"threshold", cmp.options.threshold},
          {"alpha", cmp.options.alpha},
          {"old", run(old_run)},
          {"new", run(new_run)},
          {"faster", cmp.faster},
          {"slower", cmp.slower},
          {"failed_in_new", cmp.failed_in_new},
          {"missing_in_new", cmp.missing_in_new},
          {"context_changes", cmp.context_changes},
          {"warnings", cmp.warnings},
          {"gate", {{"passed", failures.empty()}, {"failures", failures}}},
          {"cells", cells}};
}

std::string compare_html(const SuiteResult& old_run, const SuiteResult& new_run,
                         const Comparison& cmp) {
  std::vector<BarRow> bars;
  std::string rows;
  for (const ComparedCell& c : cmp.cells) {
    if (c.ratio > 0) {
      bars.push_back({c.id, c.scheduler, c.new_cell->wall.median, c.old_cell->wall.median, ""});
    }
    const std::string kind =
        c.verdict.starts_with("faster")                                           ? "faster"
        : c.verdict.starts_with("slower")                                         ? "slower"
        : c.verdict.starts_with("failed in new") || c.verdict == "missing in new" ? "slower"
                                                                                  : "";
    rows += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"verdict {}\">{}</td></tr>\n",
        xml_escape(c.id), median_text(c.old_cell), median_text(c.new_cell),
        c.ratio > 0 ? fmt::format("{:.3f}", c.ratio) : "", p_text(c), runs_text(c), kind,
        xml_escape(c.verdict));
  }
  Palette palette;
  std::string body = "<header><h1>schedlab compare</h1><p>" +
                     xml_escape(headline(old_run, new_run, cmp)) + "</p>\n";
  for (const std::string& n : notices(cmp))
    body += "<p class=\"warning\">" + xml_escape(n) + "</p>\n";
  body += "</header>\n";
  if (!bars.empty()) {
    body += fmt::format(
        "<figure>{}<figcaption>New median (bar) against the old one (tick), new/old in "
        "brackets. Hover for the figures; click a scheduler to hide or show it.</figcaption>"
        "</figure>\n",
        bar_and_tick_chart(bars, palette, {.bar = "new", .tick = "old"}));
  }
  body += fmt::format(
      "<table><thead><tr><th>cell</th><th>old median ms</th><th>new median ms</th>"
      "<th>new/old</th><th>p</th><th>runs old/new</th><th>verdict</th></tr></thead><tbody>\n{}"
      "</tbody></table>\n",
      rows);
  return html_page("schedlab compare", body);
}

}  // namespace schedlab::reports
