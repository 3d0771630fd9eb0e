#include "schedlab/reports/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "schedlab/reports/table.hpp"

namespace schedlab::reports {

bool beyond_noise(const Statistics& o, const Statistics& n) {
  const double diff = std::abs(n.median - o.median);
  const double noise = 3 * 1.4826 * std::max(o.mad, n.mad);
  return diff > noise && diff > 0.02 * o.median;
}

std::string compare_markdown(const SuiteResult& old_run, const SuiteResult& new_run) {
  Table t{{"cell", "old median ms", "new median ms", "new/old", "verdict"},
          {false, true, true, true, false},
          {}};
  size_t faster = 0, slower = 0;
  for (const Cell& n : new_run.cells) {
    auto o = std::find_if(old_run.cells.begin(), old_run.cells.end(),
                          [&](const Cell& c) { return c.id() == n.id(); });
    if (o == old_run.cells.end()) {
      t.rows.push_back({n.id(), "", fmt::format("{:.1f}", n.wall.median), "", "new cell"});
      continue;
    }
    if (!o->error.empty() || !n.error.empty() || o->wall.n == 0 || n.wall.n == 0) {
      t.rows.push_back({n.id(), "", "", "", "failed in one run"});
      continue;
    }
    const double ratio = o->wall.median > 0 ? n.wall.median / o->wall.median : 0;
    std::string verdict = "within noise";
    if (beyond_noise(o->wall, n.wall)) {
      verdict = ratio < 1 ? "faster" : "slower";
      ++(ratio < 1 ? faster : slower);
    }
    t.rows.push_back({n.id(), fmt::format("{:.1f}", o->wall.median),
                      fmt::format("{:.1f}", n.wall.median), fmt::format("{:.3f}", ratio), verdict});
  }
  for (const Cell& o : old_run.cells) {
    bool gone = std::none_of(new_run.cells.begin(), new_run.cells.end(),
                             [&](const Cell& c) { return c.id() == o.id(); });
    if (gone)
      t.rows.push_back({o.id(), fmt::format("{:.1f}", o.wall.median), "", "", "missing in new"});
  }
  std::string out = fmt::format(
      "# schedlab compare\n\nOld: {} (commit {}). New: {} (commit {}).\n"
      "{} cell{} faster, {} slower beyond the noise.\n\n",
      markdown_escape(old_run.context.date), markdown_escape(old_run.context.commit),
      markdown_escape(new_run.context.date), markdown_escape(new_run.context.commit), faster,
      faster == 1 ? "" : "s", slower);
  return out + markdown_table(t);
}

}  // namespace schedlab::reports
