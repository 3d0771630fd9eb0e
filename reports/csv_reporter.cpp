// results.csv: one row per repetition; summary.csv: one row per cell. Columns are documented
// in docs/REPORTS.md.
#include <fmt/format.h>

#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/table.hpp"

namespace schedlab::reports {
namespace {

std::string num(double x) {
  return fmt::format("{:.3f}", x);
}

class CsvReporter final : public Reporter {
 public:
  Files render(const SuiteResult& r) const override {
    std::string results =
        csv_row({"cell", "scenario", "params", "scheduler", "workers", "gil", "repetition",
                 "wall_ms", "cpu_ms", "peak_rss_bytes", "bytes_to_workers", "bytes_from_workers",
                 "serialise_ms", "peak_live_intermediates", "lock_wait_ms", "gil_wait_ms",
                 "other_cpu_ms", "cpu_pressure_ms"});
    std::string summary = csv_row({"cell",
                                   "scenario",
                                   "params",
                                   "scheduler",
                                   "workers",
                                   "gil",
                                   "runs",
                                   "median_ms",
                                   "mean_ms",
                                   "min_ms",
                                   "max_ms",
                                   "stddev_ms",
                                   "cv",
                                   "predicted_ms",
                                   "measured_over_predicted",
                                   "speedup_vs_sync",
                                   "speedup_against",
                                   "efficiency",
                                   "cpu_ms",
                                   "peak_rss_bytes",
                                   "bytes_moved",
                                   "warnings",
                                   "error"});
    for (const Cell& c : r.cells) {
      const std::vector<std::string> id{c.id(),
                                        c.scenario,
                                        c.params,
                                        c.scheduler,
                                        std::to_string(c.workers),
                                        c.gil ? "true" : "false"};
      for (size_t i = 0; i < c.reps.size(); ++i) {
        const Repetition& rep = c.reps[i];
        std::vector<std::string> row = id;
        for (std::string f :
             {std::to_string(i + 1), num(rep.wall_ms), num(rep.cpu_ms),
              std::to_string(rep.peak_rss_bytes), std::to_string(rep.bytes_to_workers),
              std::to_string(rep.bytes_from_workers), num(rep.serialise_ms),
              std::to_string(rep.peak_live_intermediates),
              // Waits are seen per task, so only in a traced run: empty for measured ones.
              rep.trace.empty() ? "" : num(rep.lock_wait_ms),
              rep.trace.empty() ? "" : num(rep.gil_wait_ms), num(rep.other_cpu_ms),
              num(rep.cpu_pressure_ms)}) {
          row.push_back(std::move(f));
        }
        results += csv_row(row);
      }
      std::string warnings;
      for (const Warning& w : c.warnings) append(warnings, "; ", w.message);
      std::vector<std::string> row = id;
      for (std::string f :
           {std::to_string(c.wall.n), num(c.wall.median), num(c.wall.mean), num(c.wall.min),
            num(c.wall.max), num(c.wall.stddev), num(c.wall.cv), num(c.predicted_ms),
            num(c.ratio()), num(c.speedup), c.speedup_against, num(c.efficiency), num(c.cpu_ms),
            std::to_string(c.peak_rss_bytes), std::to_string(c.bytes_moved), warnings, c.error}) {
        row.push_back(std::move(f));
      }
      summary += csv_row(row);
    }
    return {{"results.csv", results}, {"summary.csv", summary}};
  }
};

}  // namespace

std::unique_ptr<Reporter> csv_reporter() {
  return std::make_unique<CsvReporter>();
}

}  // namespace schedlab::reports
