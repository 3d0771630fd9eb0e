#include "schedlab/reports/reporter.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/output_file.hpp"

namespace schedlab::reports {

namespace {

namespace fs = std::filesystem;

constexpr const char* kManifest = ".schedlab-files";

// The files an earlier write_reports put in dir, from its manifest: only names a reporter owns,
// so that a hand-edited manifest cannot reach anything else; none in a subfolder that is a link
// to elsewhere.
std::set<std::string> files_written_before(const fs::path& dir) {
  std::set<std::string> out;
  std::ifstream in(dir / kManifest);
  for (std::string line; std::getline(in, line);) {
    const fs::path p(line);
    std::error_code ec;
    if (!p.parent_path().empty() && fs::is_symlink(dir / p.parent_path(), ec)) continue;
    if (std::any_of(reporters().begin(), reporters().end(),
                    [&](const ReporterInfo& r) { return r.owns(line); }))
      out.insert(line);
  }
  return out;
}

}  // namespace

bool ReporterInfo::owns(const std::string& relative_path) const {
  const fs::path p(relative_path);
  for (const std::string& file : files) {
    const fs::path pattern(file);
    if (p == pattern) return true;
    // "timelines/*.svg": a file of that extension directly in that folder.
    if (pattern.stem() == "*" && p.parent_path() == pattern.parent_path() &&
        p.extension() == pattern.extension() && p.filename() != ".." && p.stem() != "..")
      return true;
  }
  return false;
}

std::string reports_line(const std::string& dir) {
  std::vector<std::string> first, rest;
  for (const ReporterInfo& r : reporters()) {
    for (const std::string& file : r.files) {
      const fs::path pattern(file);
      // One file per cell: the folder, when a cell made one (none when stopped before any ran).
      const fs::path path =
          fs::path(dir) / (pattern.stem() == "*" ? pattern.parent_path() : pattern);
      std::error_code ec;
      if (!fs::exists(path, ec)) continue;
      std::string shown = path.string() + (pattern.stem() == "*" ? "/" : "");
      if (!r.hint.empty()) shown += " (" + r.hint + ")";
      (r.hint.empty() ? rest : first).push_back(std::move(shown));
    }
  }
  first.insert(first.end(), rest.begin(), rest.end());
  return fmt::format("{}", fmt::join(first, ", "));
}

const std::vector<ReporterInfo>& reporters() {
  static const std::vector<ReporterInfo> list = {
      {"json", {"results.json"}, "", json_reporter},
      {"csv", {"results.csv", "summary.csv"}, "", csv_reporter},
      {"markdown", {"report.md"}, "", markdown_reporter},
      {"timelines", {"timelines/*.svg"}, "", timeline_reporter},
      {"html", {"report.html"}, "open it in a browser", [] { return html_reporter(); }},
  };
  return list;
}

std::vector<std::string> scenarios_in_order(const SuiteResult& r) {
  std::vector<std::string> order;
  for (const Cell& c : r.cells) {
    if (std::find(order.begin(), order.end(), c.scenario) == order.end())
      order.push_back(c.scenario);
  }
  return order;
}

std::string speedup_baseline_name(const SuiteResult& result) {
  if (!result.context.speedup_baseline.empty()) return result.context.speedup_baseline;
  for (const Cell& c : result.cells) {
    if (c.baseline) return c.scheduler;
  }
  return "the baseline";
}

const Cell* explained_cell(const SuiteResult& r, const std::string& scenario) {
  for (const Cell& c : r.cells) {
    if (c.scenario == scenario && c.workers == 2 && !c.baseline && !c.reasoning.empty()) return &c;
  }
  return nullptr;
}

void write_reports(const SuiteResult& result, const std::string& dir) {
  ReportWriter(dir).write(result);
}

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void ReportWriter::update(const SuiteResult& result) {
  if (now_s() - since_write_s_ >= kSpacing * last_write_s_) return write(result);
  pending_ = true;
}

void ReportWriter::finish(const SuiteResult& result) {
  if (pending_) write(result);
}

namespace {
// One write at a time in the process: the stop watchdog's last words (cli/stop_watchdog.hpp)
// may come while the run writes its own, into the same files through the same temporary names.
// Whichever comes second waits; the watchdog then keeps it until it exits (hold_report_writes).
std::mutex g_one_write_at_a_time;
}  // namespace

void hold_report_writes() {
  g_one_write_at_a_time.lock();  // never unlocked: the process is about to _exit
}

void ReportWriter::write(const SuiteResult& result) {
  std::lock_guard lock(g_one_write_at_a_time);
  const double start = now_s();
  const std::string& dir = dir_;
  // Everything is rendered first (Graphviz may take a while), then written as one set: an
  // interrupted run never leaves a results.json that disagrees with summary.csv.
  Files files;
  for (const ReporterInfo& info : reporters()) {
    for (auto& file : info.make()->render(result)) files.push_back(std::move(file));
  }
  std::set<std::string> written;
  std::map<std::string, size_t> hashes;
  std::string manifest;
  OutputSet set;
  for (const auto& [name, contents] : files) {
    fs::path path = fs::path(dir) / name;
    std::error_code ec;
    // The folder is ours and so is what we put in it: a link planted where a subfolder goes
    // (timelines/) is removed, not followed out of the folder. (The folder itself may be a
    // link: --out names it.)
    if (fs::path(name).has_parent_path() &&
        fs::is_symlink(fs::symlink_status(path.parent_path(), ec)))
      fs::remove(path.parent_path(), ec);
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      throw UsageError(fmt::format("cannot create report directory {}: {}",
                                   path.parent_path().string(), ec.message()));
    }
    written.insert(name);
    manifest += name + "\n";
    const size_t hash = std::hash<std::string_view>{}(contents);
    hashes[name] = hash;
    // What this writer put there last time, and still there: not written again.
    auto same = written_.find(name);
    const fs::file_status st = fs::symlink_status(path, ec);
    if (same != written_.end() && same->second == hash && fs::is_regular_file(st) &&
        fs::file_size(path, ec) == contents.size())
      continue;
    set.add(path.string(), contents, OutputSet::Links::replace);
  }
  const std::set<std::string> before = files_written_before(dir);
  set.add((fs::path(dir) / kManifest).string(), manifest, OutputSet::Links::replace);
  set.commit();
  written_ = std::move(hashes);
  // What an earlier run of ours wrote and this one did not (the timelines of cells it did not
  // run) goes; files of anyone else stay, as do directories.
  for (const std::string& old : before) {
    const fs::path path = fs::path(dir) / old;
    std::error_code ec;
    if (!written.contains(old) && fs::is_regular_file(fs::symlink_status(path, ec))) {
      fs::remove(path, ec);
    }
  }
  pending_ = false;
  since_write_s_ = now_s();
  last_write_s_ = since_write_s_ - start;
}

}  // namespace schedlab::reports
