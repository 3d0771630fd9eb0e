// Reporters: one interface, one file per format, all rendering the one SuiteResult.
// render() is pure (what golden tests check); write_reports() puts every file in place
// atomically, so a report directory never holds half a file, even after Ctrl-C.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "schedlab/reports/graphviz.hpp"
#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

using Files = std::vector<std::pair<std::string, std::string>>;  // relative path, contents

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual Files render(const SuiteResult& result) const = 0;
};

std::unique_ptr<Reporter> json_reporter();      // results.json
std::unique_ptr<Reporter> csv_reporter();       // results.csv, summary.csv
std::unique_ptr<Reporter> markdown_reporter();  // report.md
std::unique_ptr<Reporter> timeline_reporter();  // timelines/<cell>.svg
// Draws a graph given in DOT as inline SVG, or says why it cannot (graphviz.hpp). Called from
// several threads at once (the page lays its graphs out side by side).
using GraphDrawer = std::function<Drawing(const std::string& dot)>;
// Told every graph of the page before the drawer is asked for them one by one, so that it can
// lay them out together (graphviz.hpp: lay_out_ahead).
using GraphsAhead = std::function<void(const std::vector<std::string>& dots)>;
std::unique_ptr<Reporter> html_reporter(GraphDrawer draw, GraphsAhead ahead = {});
std::unique_ptr<Reporter> html_reporter();  // report.html, drawn by Graphviz

// The formats a run writes, in the order they are rendered: a name, the files the format owns
// (a name in the reports folder, or "folder/*.ext" for one file per cell), a hint for the
// reader, and its factory. A new format is its file and one entry here: write_reports, the
// manifest that tells our files from a user's, and `run`'s "Reports:" line follow this list.
struct ReporterInfo {
  std::string name;
  std::vector<std::string> files;
  std::string hint;  // "open it in a browser", or empty
  std::function<std::unique_ptr<Reporter>()> make;
  bool owns(const std::string& relative_path) const;
};
const std::vector<ReporterInfo>& reporters();
// "reports/latest/report.html (open it in a browser), ..., reports/latest/timelines/": what is
// in `dir` of each reporter's files, the one to open first.
std::string reports_line(const std::string& dir);

// What the reporters share: the lessons in the order their first cell ran, and the cell whose
// prediction a lesson explains (the first parallel scheduler's with 2 workers; null if none).
std::vector<std::string> scenarios_in_order(const SuiteResult& result);
const Cell* explained_cell(const SuiteResult& result, const std::string& scenario);
// The scheduler speedups are measured against in this run (run --baseline, else the cells the
// registry marked), for the words around the figures; "the baseline" when none ran.
std::string speedup_baseline_name(const SuiteResult& result);

// Renders with every reporter and writes the files under dir (created if needed).
void write_reports(const SuiteResult& result, const std::string& dir);
// For an exit that does not wait for the run (the stop watchdog, after its last words): waits
// for a write in progress to end, then lets no other begin, so that no file is left half
// replaced when the process ends.
void hold_report_writes();

// The reports of a run in progress, kept up to date after every cell at a bounded cost. Each
// write renders every report, which takes time in proportion to the cells so far: written after
// every cell, a run of 100 small cells spent seconds, quadratic in cells, writing reports. So
// a write waits until the run has gone on kSpacing times as long as the last write took (the
// reports take about a fifth of a run where cells are short: 27% for 100 cells of 10 ms, as
// each write is a little longer than the last; a cell that takes longer than that wait is
// written as soon as it ends), and a file whose contents did not change (the timelines of earlier
// cells) is not written again. finish() writes what is still pending; a stop writes its reports
// with write_reports, as before.
class ReportWriter {
 public:
  static constexpr double kSpacing = 4;
  explicit ReportWriter(std::string dir) : dir_(std::move(dir)) {}
  void update(const SuiteResult& result);  // after a cell: writes now, or later
  void finish(const SuiteResult& result);  // the run ended: writes if the last update did not
  void write(const SuiteResult& result);   // writes now

 private:
  std::string dir_;
  std::map<std::string, size_t> written_;  // relative path -> hash of what this writer put there
  double last_write_s_ = 0;                // how long the last write took
  double since_write_s_ = 0;               // when it ended (steady clock, seconds)
  bool pending_ = false;
};

}  // namespace schedlab::reports
