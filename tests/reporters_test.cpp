// Golden-output tests for every reporter, on a fixed result with hostile names (quotes, |,
// newlines, commas). Set SCHEDLAB_UPDATE_GOLDEN=1 to rewrite the golden files after a
// deliberate change, then review the diff.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "schedlab/core/errors.hpp"
#include "schedlab/reports/compare.hpp"
#include "schedlab/reports/console_view.hpp"
#include "schedlab/reports/gbench.hpp"
#include "schedlab/reports/occupancy.hpp"
#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/results_json.hpp"
#include "schedlab/reports/table.hpp"
#include "schedlab/reports/timeline.hpp"
#include "tests/test_support.hpp"

namespace schedlab::reports {
namespace {

using schedlab::testing::slurp;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kHostile = "a \"quoted\" | piped,\ncomma name";

SuiteResult fixture() {
  SuiteResult r;
  r.context.date = "2026-11-22T00:00:00Z";
  r.context.version = "0.1.0";
  r.context.commit = "abc1234";
  r.context.compiler = "g++ 12.2.0";
  r.context.build_type = "Release";
  r.context.cpu_model = "Test CPU";
  r.context.cores = 2;
  r.context.unit_ms = 50;
  r.context.repeat = 2;
  r.context.user["course"] = kHostile;
  r.lessons["slow-arithmetic"] = "The lesson, with a | pipe.";
  r.graphs["slow-arithmetic"] = "digraph { x -> y }";
  for (std::string scheduler : {"sync", "threads"}) {
    Cell c;
    c.scenario = "slow-arithmetic";
    c.params = scheduler == "sync" ? "" : "lock=" + kHostile;
    c.scheduler = scheduler;
    c.baseline = scheduler == "sync";
    c.policy = "work-first";
    c.workers = scheduler == "sync" ? 1 : 2;
    for (double w : {200.0, 202.0}) {
      Repetition rep;
      rep.wall_ms = w / c.workers;
      rep.other_cpu_ms = 1.5;
      c.reps.push_back(rep);
    }
    // The profile run: traced and sampled, for the timeline.
    Repetition& p = c.profile;
    p.wall_ms = 202.0 / c.workers;
    p.trace.push_back({kHostile, "add", 0, 42, 0.0, p.wall_ms / 2});
    // y waited a quarter of the run for its lock: drawn pale, with a legend entry.
    p.trace.push_back({"y", "sub", c.workers - 1, 42, 0.0, p.wall_ms / 2, p.wall_ms / 4, 0.0});
    p.lock_wait_ms = p.wall_ms / 4;
    p.resources.push_back({0, 0, 1'000'000});
    p.resources.push_back({p.wall_ms, 50, 2'000'000});
    c.wall = statistics({c.reps[0].wall_ms, c.reps[1].wall_ms});
    c.predicted_ms = 200.0 / c.workers;
    c.predicted_schedule = {{kHostile, "add", 0, 0, 0.0, 50.0},
                            {"y", "sub", c.workers - 1, 0, 50.0, c.predicted_ms}};
    c.reasoning = {"because " + kHostile};
    c.speedup = scheduler == "sync" ? 1 : 2;
    c.efficiency = c.speedup / c.workers;
    r.cells.push_back(c);
  }
  r.cells[1].warnings.push_back({"noise", "a warning, with \"quotes\""});
  Cell failed = r.cells[1];
  failed.scheduler = "processes";
  failed.reps.clear();
  failed.profile = {};
  failed.wall = {};
  failed.error = "worker died: " + kHostile;
  r.cells.push_back(failed);
  r.lesson_verdicts.push_back(
      {"slow-arithmetic",
       "Dask Schedulers",
       "Side by side, " + kHostile,
       {{"2 workers take 3 units of " + kHostile, "held", "threads/2 against sync/1: 0.75"},
        {"4 workers are no better", "untested", "no cells of this run test it"}},
       "held",
       ""});
  return r;
}

void check_golden(const std::string& name, const std::string& actual) {
  std::string path = std::string(SCHEDLAB_GOLDEN) + "/" + name;
  if (std::getenv("SCHEDLAB_UPDATE_GOLDEN")) std::ofstream(path, std::ios::binary) << actual;
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with SCHEDLAB_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << path;
}

std::string render_one(const Reporter& r, const std::string& file) {
  for (const auto& [name, contents] : r.render(fixture())) {
    if (name == file) return contents;
  }
  return "";
}

// A minimal RFC 4180 reader, to check that what we write reads back.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
        rows.back().back() += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        rows.back().back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

TEST(Reporters, ConsoleGolden) {
  check_golden("console.txt", console_summary(fixture()) + console_verdicts(fixture()));
}

TEST(Reporters, MarkdownGolden) {
  check_golden("report.md", render_one(*markdown_reporter(), "report.md"));
}
TEST(Reporters, SummaryCsvGolden) {
  check_golden("summary.csv", render_one(*csv_reporter(), "summary.csv"));
}
TEST(Reporters, ResultsCsvGolden) {
  check_golden("results.csv", render_one(*csv_reporter(), "results.csv"));
}
TEST(Reporters, JsonGolden) {
  check_golden("results.json", render_one(*json_reporter(), "results.json"));
}
TEST(Reporters, TimelineGolden) {
  Files files = timeline_reporter()->render(fixture());
  ASSERT_EQ(files.size(), 2u);  // the failed cell has no runs to draw
  check_golden("timeline.svg", files[1].second);
}

// Stands in for Graphviz, so that the golden file does not depend on its version.
Drawing fake_dot(const std::string& dot) {
  return {"<svg class=\"fake-graph\"><text>" + xml_escape(dot) + "</text></svg>", {}};
}

TEST(Reporters, HtmlGolden) {
  const Files files = html_reporter(fake_dot)->render(fixture());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].first, "report.html");
  check_golden("report.html", files[0].second);
}

TEST(Reporters, HtmlFromResultsJsonIsTheSamePage) {
  // results.json is the source of truth: the page rendered from it later is the page the run
  // wrote.
  const SuiteResult again = suite_from_json(to_json(fixture()));
  EXPECT_EQ(html_reporter(fake_dot)->render(again), html_reporter(fake_dot)->render(fixture()));
}

// The graphs are drawn on several threads: each lands in its own section, and a drawer that
// throws costs its picture, not the page (nor the process, from a helper thread).
TEST(Reporters, HtmlDrawsGraphsSideBySideAndSurvivesADrawerThatThrows) {
  SuiteResult r = fixture();
  for (const Cell& c : r.cells) r.graphs.emplace(c.instance(), "digraph { " + c.scheduler + " }");
  ASSERT_GE(r.graphs.size(), 2u);
  const std::string throwing = r.graphs.begin()->second;
  std::atomic<int> calls{0};
  const Files files = html_reporter([&](const std::string& dot) -> Drawing {
                        ++calls;
                        if (dot == throwing) throw std::runtime_error("no layout today");
                        return fake_dot(dot);
                      })->render(r);
  EXPECT_EQ(calls, static_cast<int>(r.graphs.size()));
  EXPECT_THAT(files[0].second, HasSubstr("The graph is not drawn: no layout today."));
  for (const auto& [instance, dot] : r.graphs) {
    if (dot == throwing) continue;
    EXPECT_THAT(files[0].second, HasSubstr(xml_escape(dot))) << instance;
  }
}

TEST(Reporters, HtmlDashesAGilLineOnlyBesideItsLineWithoutTheGil) {
  SuiteResult r = fixture();
  r.cells.pop_back();  // the failed cell
  for (Cell& c : r.cells) c.params = "";
  Cell gil = r.cells[1];
  gil.gil = true;
  gil.speedup = 1;
  r.cells.push_back(gil);
  auto dashes = [](const SuiteResult& result) {
    const std::string page = html_reporter(fake_dot)->render(result)[0].second;
    size_t n = 0;
    for (size_t at = 0; (at = page.find("stroke-dasharray=\"4,3\"", at)) != std::string::npos; ++at)
      ++n;
    return n;
  };
  EXPECT_EQ(dashes(r), 1u);            // threads with the GIL, beside threads without
  r.cells.erase(r.cells.begin() + 1);  // only the GIL's threads line is left: drawn solid
  EXPECT_EQ(dashes(r), 0u);
}

TEST(Reporters, HtmlSaysWhereGraphvizIsMissing) {
  const std::string page = html_reporter([](const std::string&) {
                             return Drawing{std::nullopt, kNoGraphviz};
                           })
                               ->render(fixture())[0]
                               .second;
  EXPECT_THAT(page, HasSubstr("Graphviz&apos;s `dot` is not installed here, or it could not draw"));
  EXPECT_THAT(page, HasSubstr("<pre>digraph { x -&gt; y }</pre>"));
}

TEST(Reporters, HtmlIsOneFileThatFetchesNothing) {
  const std::string page = html_reporter(fake_dot)->render(fixture())[0].second;
  for (const char* fetch : {"src=", "href=\"http", "@import", "url(http", "<link"}) {
    EXPECT_THAT(page, Not(HasSubstr(fetch))) << fetch;
  }
}

TEST(Reporters, WriteReportsRemovesOnlyWhatAnEarlierRunWrote) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("schedlab_reports_" + std::to_string(getpid()));
  fs::remove_all(dir);
  SuiteResult first = fixture();
  write_reports(first, dir.string());
  const fs::path gone = dir / "timelines" / "slow-arithmetic_sync_1.svg";
  ASSERT_TRUE(fs::exists(gone));
  std::ofstream(dir / "timelines" / "mine.svg") << "a user's own picture";
  SuiteResult second = fixture();
  second.cells.erase(second.cells.begin());  // the sync cell did not run this time
  write_reports(second, dir.string());
  EXPECT_FALSE(fs::exists(gone));
  EXPECT_TRUE(fs::exists(dir / "timelines" / "mine.svg"));
  EXPECT_TRUE(fs::exists(dir / "report.html"));
  // A manifest edited to name anything else removes none of it.
  const fs::path outside = dir.string() + "_outside.txt";
  std::ofstream(outside) << "not ours";
  std::ofstream(dir / "notes.txt") << "not ours either";
  std::ofstream(dir / ".schedlab-files") << "../" << outside.filename().string() << "\n"
                                         << outside.string() << "\nnotes.txt\n"
                                         << "timelines/../notes.txt\n";
  write_reports(second, dir.string());
  EXPECT_TRUE(fs::exists(outside));
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
  fs::remove(outside);
  fs::remove_all(dir);
}

TEST(Reporters, EachFileOfARunBelongsToOneRegisteredReporter) {
  // The registry is the one list: every file a render makes is owned by its reporter, and
  // nothing outside the reports' names (a user's notes, a path out of the folder) is.
  for (const ReporterInfo& info : reporters()) {
    for (const auto& [name, contents] : info.make()->render(fixture())) {
      EXPECT_TRUE(info.owns(name)) << info.name << " made " << name;
    }
  }
  auto anyone = [](const std::string& path) {
    return std::any_of(reporters().begin(), reporters().end(),
                       [&](const ReporterInfo& r) { return r.owns(path); });
  };
  for (const char* foreign : {"notes.txt", "../results.json", "timelines/../x.svg",
                              "timelines/sub/x.svg", "other/x.svg", "timelines/x.png"}) {
    EXPECT_FALSE(anyone(foreign)) << foreign;
  }
  EXPECT_TRUE(anyone("timelines/inc-dbl_sync_1.svg"));
}

TEST(Reporters, AWriterRewritesOnlyWhatChanged) {
  // After a cell, a run's reports change (results.json, report.html) but the timelines of the
  // earlier cells do not: they are not written again (a rewrite renames a new file in place).
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("schedlab_writer_" + std::to_string(getpid()));
  fs::remove_all(dir);
  SuiteResult run = fixture();
  const Cell last = run.cells.back();
  run.cells.pop_back();
  ReportWriter writer(dir.string());
  writer.write(run);
  struct stat timeline_before {
  }, json_before{};
  ASSERT_EQ(stat((dir / "timelines" / "slow-arithmetic_sync_1.svg").c_str(), &timeline_before), 0);
  ASSERT_EQ(stat((dir / "results.json").c_str(), &json_before), 0);
  run.cells.push_back(last);
  writer.write(run);
  struct stat timeline_after {
  }, json_after{};
  ASSERT_EQ(stat((dir / "timelines" / "slow-arithmetic_sync_1.svg").c_str(), &timeline_after), 0);
  ASSERT_EQ(stat((dir / "results.json").c_str(), &json_after), 0);
  EXPECT_EQ(timeline_after.st_ino, timeline_before.st_ino);
  EXPECT_NE(json_after.st_ino, json_before.st_ino);
  // A file changed behind the writer's back is written again.
  std::ofstream(dir / "timelines" / "slow-arithmetic_sync_1.svg") << "edited";
  writer.write(run);
  EXPECT_NE(slurp(dir / "timelines" / "slow-arithmetic_sync_1.svg"), "edited");
  fs::remove_all(dir);
}

TEST(Reporters, AWriterLeavesTheWholeRunOnDiskAtTheEnd) {
  // Updates may wait (a write is spaced by the time writing takes); finish() never leaves the
  // last cells out.
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("schedlab_finish_" + std::to_string(getpid()));
  fs::remove_all(dir);
  const SuiteResult full = fixture();
  SuiteResult run;
  run.context = full.context;
  ReportWriter writer(dir.string());
  for (const Cell& c : full.cells) {
    run.cells.push_back(c);
    writer.update(run);
  }
  writer.finish(run);
  EXPECT_EQ(suite_from_json(nlohmann::json::parse(slurp(dir / "results.json"))).cells.size(),
            full.cells.size());
  fs::remove_all(dir);
}

TEST(Reporters, HostileNamesSurviveCsv) {
  auto rows = parse_csv(render_one(*csv_reporter(), "results.csv"));
  ASSERT_EQ(rows.size(), 5u);  // header + 2 cells x 2 repetitions
  for (const auto& row : rows) EXPECT_EQ(row.size(), rows[0].size());
  EXPECT_EQ(rows[3][2], "lock=" + kHostile);
}

TEST(Reporters, HostileNamesStayInTheirMarkdownCell) {
  std::string md = render_one(*markdown_reporter(), "report.md");
  std::istringstream lines(md);
  size_t header = 0, tables = 0;  // pipes in the header of the table being read
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '|') {
      header = 0;
      continue;
    }
    size_t pipes = 0;
    for (size_t i = 0; i < line.size(); ++i)
      pipes += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    if (header == 0) {
      header = pipes;
      ++tables;
    }
    EXPECT_EQ(pipes, header) << line;  // every row as many columns as its header
  }
  EXPECT_EQ(tables, 2u);  // the lessons' verdicts, then the lesson's cells
}

TEST(Reporters, JsonReadsBackEverythingItWrites) {
  SuiteResult full = fixture();
  // Every field away from its default, so that one not read back shows as a difference.
  full.interrupted = true;
  full.context.user = {{"room", "B12"}};
  full.context.load_avg[2] = 0.25;
  Cell& c = full.cells[1];
  c.param_values = {{"reduce", "tree"}};
  c.sleep_bound = true;
  c.cpu_ms = 12.5;
  c.peak_rss_bytes = 123456;
  c.bytes_moved = 789;
  c.bound_ms = 3, c.work_ms = 4, c.span_ms = 5;
  c.reasoning = {"one", "two"};
  c.efficiency = 0.5;
  c.warnings = {{"noise", "wall times vary"}};
  c.error = "task 'x' failed";
  c.interrupted = true;
  c.reps[0].serialise_ms = 1.5;
  c.reps[0].bytes_to_workers = 10;
  c.reps[0].bytes_from_workers = 20;
  c.reps[0].peak_live_intermediates = 3;
  c.reps[0].trace = {{"x", "add", 1, 4242, 0.5, 100.5, 50.25, 1.5}};
  c.reps[0].spans = {{"gil_wait", "x", 1, 60, 61.5}, {"decode", "x", kSchedulerWorker, 100.5, 101}};
  c.reps[0].lock_wait_ms = 50.25;
  c.reps[0].gil_wait_ms = 1.5;
  c.reps[0].resources = {{250, 180.5, 1 << 20}};
  OccupancyBuilder busy(30);
  busy.add(1, "inc", 0, 15);
  busy.add(0, "dec", 5, 6);
  c.profile.occupancy = busy.take();
  OccupancyBuilder predicted(10);
  predicted.add(0, "inc", 0, 10);
  c.predicted_occupancy = predicted.take();
  full.lessons["fib"] = "a lesson";
  const nlohmann::json written = to_json(full);
  const SuiteResult again = suite_from_json(written);
  EXPECT_EQ(to_json(again), written);
  // And a few fields by hand, in case both directions drifted the same way.
  ASSERT_EQ(again.cells.size(), 3u);
  EXPECT_EQ(again.cells[1].id(), full.cells[1].id());
  EXPECT_EQ(again.cells[1].reps[0].trace[0].pid, 4242);
  ASSERT_EQ(again.cells[1].reps[0].spans.size(), 2u);
  EXPECT_EQ(again.cells[1].reps[0].spans[1].worker, kSchedulerWorker);
  EXPECT_EQ(again.cells[1].reps[0].spans[1].kind, "decode");
  EXPECT_EQ(again.cells[1].reasoning, c.reasoning);
  EXPECT_DOUBLE_EQ(again.context.load_avg[2], 0.25);
  EXPECT_EQ(again.cells[1].profile.occupancy.tasks, 2u);
  EXPECT_EQ(again.cells[1].predicted_occupancy.series.at(0).op, "inc");
}

// A task's time goes to the slices it covers, so busy totals are exact whatever the slicing.
TEST(Occupancy, SlicesAddUpToEachTasksTime) {
  const double slice = 30.0 / kOccupancySlices;
  OccupancyBuilder b(30);
  b.add(0, "inc", 0.5 * slice, 2.5 * slice);  // half, whole, half
  b.add(0, "inc", 3 * slice, 3 * slice);      // nothing, but a task
  b.add(1, "add", 29.0, 31.0);                // past the end: the rest lands in the last slice
  b.add(0, "dec", slice, 1.5 * slice);
  const Occupancy o = b.take();
  EXPECT_DOUBLE_EQ(o.slice_ms, slice);
  EXPECT_EQ(o.tasks, 4u);
  ASSERT_EQ(o.series.size(), 3u);  // sorted by worker, then op
  EXPECT_EQ(o.series[0].op, "dec");
  EXPECT_EQ(o.series[1].op, "inc");
  EXPECT_EQ(o.series[1].tasks, 2u);
  EXPECT_NEAR(o.series[1].busy_ms[0], 0.5 * slice, 1e-12);
  EXPECT_NEAR(o.series[1].busy_ms[1], slice, 1e-12);
  EXPECT_NEAR(o.series[1].busy_ms[2], 0.5 * slice, 1e-12);
  EXPECT_NEAR(o.series[0].busy_ms[1], 0.5 * slice, 1e-12);
  double add = 0;
  for (double x : o.series[2].busy_ms) add += x;
  EXPECT_NEAR(add, 2.0, 1e-9);
  EXPECT_EQ(o.series[2].worker, 1u);
}

TEST(Occupancy, JsonRefusesSlicesThatCannotBeDrawn) {
  SuiteResult r = fixture();
  OccupancyBuilder b(10);
  b.add(0, "inc", 0, 5);
  r.cells[1].profile.occupancy = b.take();
  const nlohmann::json good = to_json(r);
  EXPECT_EQ(suite_from_json(good).cells[1].profile.occupancy.tasks, 1u);
  auto refused = [&](auto change, const std::string& why) {
    nlohmann::json j = good;
    change(j["cells"][1]["profile"]["occupancy"]);
    try {
      suite_from_json(j);
      ADD_FAILURE() << "accepted " << j["cells"][1]["profile"]["occupancy"].dump().substr(0, 80);
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), HasSubstr(why));
    }
  };
  refused([](auto& o) { o["slice_ms"] = 0; }, "\"slice_ms\" must be a positive number");
  // A finite slice whose run is not (the time axis would never end): a fuzzer-style find.
  refused([](auto& o) { o["slice_ms"] = 1e306; }, "all slices together at most");
  refused([](auto& o) { o["series"] = 3; }, "\"series\" must be a list");
  refused([](auto& o) { o["series"][0]["busy_ms"][2] = -1; }, "none negative");
  refused([](auto& o) { o["series"][0]["busy_ms"] = nlohmann::json::array(); }, "1 to 10000");
  refused([](auto& o) { o["series"][0]["worker"] = "w"; }, "occupancy, series 1");
  refused([](auto& o) { o["series"][0]["tasks"] = 0; }, "\"tasks\" must be 1 or more");
  refused(
      [](auto& o) {
        o["series"].push_back(o["series"][0]);
        o["series"][1]["busy_ms"].push_back(1.0);
      },
      "as long as every other series'");
  refused(
      [](auto& o) {
        o["series"][0]["tasks"] = uint64_t{1} << 47;
        for (int i = 0; i < 2; ++i) o["series"].push_back(o["series"][0]);
      },
      "all series' together at most");
}

TEST(Occupancy, TimelineDrawsBusySharesWithTheirTotals) {
  SuiteResult r = fixture();
  Cell& c = r.cells[1];
  c.profile.trace.clear();
  OccupancyBuilder b(c.profile.wall_ms);
  b.add(0, "inc", 0, c.profile.wall_ms / 2);
  b.add(1, "dec", 0, c.profile.wall_ms);
  c.profile.occupancy = b.take();
  c.predicted_schedule.clear();
  const std::string svg = timeline_svg(c, 2);
  EXPECT_THAT(svg, HasSubstr("The measured run has more than 20000 tasks"));
  EXPECT_THAT(svg, HasSubstr("worker 0, inc: 1 task, busy"));
  EXPECT_THAT(svg, HasSubstr("(50%)"));
  EXPECT_THAT(svg, HasSubstr("worker 1, dec: 1 task, busy"));
  EXPECT_THAT(svg, HasSubstr("(100%)"));
  // A steady worker is a few points, not one per slice.
  EXPECT_LT(svg.size(), 8000u);
}

// A cell's picture is drawn once and reused, but never when what it shows has changed.
TEST(Reporters, ATimelineIsDrawnAgainOnlyWhenItsCellChanged) {
  SuiteResult r = fixture();
  Cell c = r.cells[1];
  ASSERT_FALSE(c.profile.trace.empty());
  timeline_svg(c, 2);
  c.profile.trace.back().key = "renamed-task";
  EXPECT_THAT(timeline_svg(c, 2), HasSubstr("renamed-task"));
  c.profile.resources.push_back({.t_ms = 1, .cpu_percent = 50, .rss_bytes = 1 << 20});
  EXPECT_NE(timeline_svg(c, 2), timeline_svg(r.cells[1], 2));
  c.predicted_ms *= 2;
  const std::string doubled = timeline_svg(c, 2);
  c.predicted_ms /= 2;
  EXPECT_NE(timeline_svg(c, 2), doubled);
}

// Waits for the GIL are hatched where they happened, not as one block at the start; the
// scheduling process's encoding and decoding get a lane of their own at the top.
TEST(Reporters, TimelineDrawsEachGilWaitAndTheSchedulersSerialisation) {
  Cell c = fixture().cells[1];
  c.profile.trace = {{"f", "fib", 0, 42, 10, 50, 0, 20}, {"g", "fib", 1, 42, 10, 50, 0, 0}};
  c.profile.spans = {{"gil_wait", "f", 0, 20, 30},
                     {"gil_wait", "f", 0, 40, 50},
                     {"encode", "f", kSchedulerWorker, 2, 10},
                     {"decode", "f", 0, 8, 10}};
  const std::string svg = timeline_svg(c, 2);
  EXPECT_THAT(svg, HasSubstr("f waiting for the GIL 20.00-30.00 ms (10.00 ms; in all waited 20.0 "
                             "ms for the GIL)"));
  EXPECT_THAT(svg, HasSubstr("f waiting for the GIL 40.00-50.00 ms"));
  EXPECT_THAT(svg, Not(HasSubstr("f waiting, waited")));  // no total block at the start
  EXPECT_THAT(svg, HasSubstr(">scheduler<title>"));
  EXPECT_THAT(svg, HasSubstr("encoding the arguments of f 2.00-10.00 ms"));
  EXPECT_THAT(svg, HasSubstr("decoding the arguments of f 8.00-10.00 ms"));
  EXPECT_THAT(svg, HasSubstr(">encoding and decoding</text>"));
  // Without its spans (an earlier build's file), the GIL's total is hatched at the start.
  c.profile.spans.clear();
  const std::string old = timeline_svg(c, 2);
  EXPECT_THAT(old, HasSubstr("f waiting, waited 20.0 ms for the GIL"));
  EXPECT_THAT(old, Not(HasSubstr(">scheduler<")));
  EXPECT_THAT(old, Not(HasSubstr("encoding and decoding")));
  // Whatever a file says: a wait is drawn within its own task's bar and lane, and a wait on the
  // scheduler's lane makes no lane.
  c.profile.spans = {{"gil_wait", "f", 0, 45, 500},
                     {"gil_wait", "f", 1, 20, 30},
                     {"gil_wait", "f", kSchedulerWorker, 20, 30}};
  const std::string odd = timeline_svg(c, 2);
  EXPECT_THAT(odd, HasSubstr("f waiting for the GIL 45.00-50.00 ms"));
  EXPECT_THAT(odd, Not(HasSubstr("f waiting for the GIL 20.00")));
  EXPECT_THAT(odd, Not(HasSubstr(">scheduler<")));
}

TEST(Reporters, JsonSpansMustBeOfAKnownKind) {
  nlohmann::json j = to_json(fixture());
  j["cells"][1]["profile"]["spans"] = {
      {{"kind", "nap"}, {"key", "x"}, {"worker", 0}, {"start_ms", 0}, {"end_ms", 1}}};
  try {
    suite_from_json(j);
    FAIL() << "accepted a span of kind nap";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("span kind \"nap\" is not one of \"gil_wait\", \"encode\", "
                                    "\"decode\""));
  }
}

TEST(Reporters, JsonErrorsSayWhere) {
  nlohmann::json j = to_json(fixture());
  j["cells"][1]["wall_ms"]["median"] = "fast";
  try {
    suite_from_json(j);
    FAIL() << "accepted a string median";
  } catch (const UsageError& e) {
    // The fixture's hostile name comes back escaped, as every error message does.
    EXPECT_EQ(std::string(e.what()), printable("results, cell " + fixture().cells[1].id() +
                                               ", wall_ms: field \"median\" has the wrong type"));
  }
}

// What the console and Markdown tables show as a cell's params: every one, defaults included.
TEST(Reporters, AllParamsIncludeTheDefaults) {
  Cell c;
  c.params = "reduce=chain";
  EXPECT_EQ(c.all_params(), "reduce=chain");  // a result written without param_values
  c.param_values = {{"reduce", "chain"}, {"n", "10"}};
  EXPECT_EQ(c.all_params(), "n=10 reduce=chain");
}

TEST(Reporters, JsonWholeNumbersMustBeWholeAndFit) {
  // A fuzzer's find: 1.2e227 as a count was cast to int (undefined behaviour).
  for (const nlohmann::json& bad : {nlohmann::json(1.22e227), nlohmann::json(2.5),
                                    nlohmann::json(-1), nlohmann::json(uint64_t{1} << 40)}) {
    nlohmann::json j = to_json(fixture());
    j["cells"][1]["workers"] = bad;
    try {
      suite_from_json(j);
      ADD_FAILURE() << "accepted workers " << bad;
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(),
                  HasSubstr("field \"workers\" must be a whole number from 0 to 4294967295"));
    }
  }
  nlohmann::json j = to_json(fixture());
  j["cells"][1]["workers"] = 3;
  EXPECT_EQ(suite_from_json(j).cells[1].workers, 3u);
}

TEST(Reporters, JsonOfTheWrongShapeIsAUsageError) {
  nlohmann::json j = to_json(fixture());
  j["cells"][0] = 42;
  EXPECT_THROW(suite_from_json(j), UsageError);
  j = to_json(fixture());
  j["cells"][0]["id"] = 7;  // not a string: the message says "cell ?"
  j["cells"][0]["wall_ms"] = "fast";
  try {
    suite_from_json(j);
    FAIL() << "accepted a string for wall_ms";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("results, cell ?"));
  }
}

TEST(Compare, RatiosAndNoise) {
  SuiteResult old_run = fixture(), new_run = fixture();
  new_run.cells[0].wall = statistics({150, 151});  // sync got faster
  for (Repetition& r : new_run.cells[0].reps) r.wall_ms *= 0.75;
  new_run.context.user["commit"] = "def5678";
  const Comparison cmp = compare_runs(old_run, new_run);
  std::string md = compare_markdown(old_run, new_run, cmp);
  // Two runs a side: no test is possible, the threshold alone decides, and a warning says so.
  EXPECT_THAT(md, HasSubstr("| 201.000 | 150.500 | 0.749 |  | 2 / 2 | faster (untested) |"));
  EXPECT_THAT(md, HasSubstr("| 1.000 |  | 2 / 2 | within noise |"));
  EXPECT_THAT(md, HasSubstr("1 cell faster, 0 slower"));
  EXPECT_THAT(md, HasSubstr("no test is possible"));
  EXPECT_THAT(md, HasSubstr("commit=def5678"));  // the user's --context entries in the header
  check_golden("compare.md", md);
  EXPECT_NO_THROW(check_comparable(old_run, new_run));
  const std::string html = compare_html(old_run, new_run, cmp);
  EXPECT_THAT(html, HasSubstr("1 cell faster, 0 slower beyond the noise"));
  EXPECT_THAT(html, HasSubstr("<rect class=\"bar\""));
  EXPECT_THAT(html, HasSubstr("slow-arithmetic/sync/1: new 150.5 ms, old 201.0 ms, new/old 0.75"));
}

// One cell measured `n` times: `median` spread by `spread` either way.
Cell measured(const std::string& scheduler, double median, int n, double spread) {
  Cell c;
  c.scenario = "inc-dbl";
  c.scheduler = scheduler;
  std::vector<double> walls;
  for (int i = 0; i < n; ++i) {
    walls.push_back(median * (1 + spread * (2.0 * i / std::max(1, n - 1) - 1)));
    c.reps.push_back({.wall_ms = walls.back()});
  }
  c.wall = statistics(walls);
  return c;
}

TEST(Compare, AUTestOverTheRepetitionsAndAThreshold) {
  SuiteResult old_run = fixture(), new_run = fixture();
  old_run.cells = {measured("sync", 1.0, 5, 0.02), measured("threads", 1.0, 5, 0.02),
                   measured("openmp", 1.0, 5, 0.30)};
  new_run.cells = {measured("sync", 1.20, 5, 0.02),      // every run slower: p = 0.008
                   measured("threads", 1.045, 5, 0.02),  // real, but under the 5% threshold
                   measured("openmp", 1.10, 5, 0.30)};   // 10% slower, lost in a 30% spread
  const Comparison cmp = compare_runs(old_run, new_run);
  ASSERT_EQ(cmp.cells.size(), 3u);
  EXPECT_EQ(cmp.cells[0].verdict, "slower");
  EXPECT_NEAR(cmp.cells[0].p, 2.0 / 252, 1e-9);
  EXPECT_EQ(cmp.cells[1].verdict, "within noise");
  EXPECT_EQ(cmp.cells[2].verdict, "within noise");
  EXPECT_GT(cmp.cells[2].p, 0.05);
  EXPECT_EQ(cmp.slower, 1u);
  EXPECT_TRUE(cmp.warnings.empty());
  // A threshold of 2% lets the threads cell's 4.5% count.
  EXPECT_EQ(compare_runs(old_run, new_run, {.threshold = 0.02}).cells[1].verdict, "slower");
  // For scripts: the same verdicts, the p-values and the gate.
  const nlohmann::json j = compare_json(old_run, new_run, cmp, false);
  EXPECT_EQ(j["cells"][0]["verdict"], "slower");
  EXPECT_NEAR(j["cells"][0]["p_value"].get<double>(), 2.0 / 252, 1e-9);
  EXPECT_EQ(j["gate"]["passed"], false);
  EXPECT_EQ(j["slower"], 1);
}

TEST(Compare, ThreeRunsASideCountOnlyWhenEveryRunIsBeyond) {
  SuiteResult old_run = fixture(), new_run = fixture();
  old_run.cells = {measured("sync", 1.0, 3, 0.02), measured("threads", 1.0, 3, 0.10)};
  new_run.cells = {measured("sync", 1.2, 3, 0.02), measured("threads", 1.1, 3, 0.10)};
  const Comparison cmp = compare_runs(old_run, new_run);
  EXPECT_EQ(cmp.cells[0].verdict, "slower");  // separated: p = 0.1, the best 3 runs can give
  EXPECT_NEAR(cmp.cells[0].p, 0.1, 1e-9);
  EXPECT_EQ(cmp.cells[1].verdict, "within noise");  // overlapping runs
  ASSERT_EQ(cmp.warnings.size(), 1u);
  EXPECT_THAT(cmp.warnings[0], HasSubstr("run with --repeat 4 for a test at 0.05"));
}

// A cell that sits in one mode for a whole process: five steady repetitions at 1.0 ms in some
// runs, at 1.3 ms in others. One run a side calls it slower (p = 0.008, complete separation);
// four runs a side, each sampled once, see that the mode moves between processes.
TEST(Compare, SeveralRunsASideSampleEachRunOnce) {
  auto run_at = [](double ms) {
    SuiteResult r = fixture();
    r.cells = {measured("threads", ms, 5, 0.01), measured("sync", 1.0, 5, 0.01)};
    return r;
  };
  EXPECT_EQ(compare_runs(run_at(1.0), run_at(1.3)).cells[0].verdict, "slower");
  const std::vector<std::string> names = {"a.json", "b.json", "c.json", "d.json"};
  const SuiteResult old_side =
                        combine_runs({run_at(1.0), run_at(1.3), run_at(1.0), run_at(1.3)}, names),
                    mixed =
                        combine_runs({run_at(1.3), run_at(1.0), run_at(1.3), run_at(1.0)}, names),
                    slower =
                        combine_runs({run_at(1.3), run_at(1.31), run_at(1.32), run_at(1.3)}, names);
  ASSERT_EQ(old_side.cells[0].reps.size(), 4u);  // one sample per run: its median
  EXPECT_DOUBLE_EQ(old_side.cells[0].reps[1].wall_ms, 1.3);
  const Comparison noise = compare_runs(old_side, mixed, {.old_files = 4, .new_files = 4});
  EXPECT_EQ(noise.cells[0].verdict, "within noise");
  EXPECT_TRUE(noise.gate_failures(false).empty());
  const Comparison real =
      compare_runs(combine_runs({run_at(1.0), run_at(1.02), run_at(1.01), run_at(1.005)}, names),
                   slower, {.old_files = 4, .new_files = 4});
  EXPECT_EQ(real.cells[0].verdict, "slower");
  EXPECT_LT(real.cells[0].p, 0.05);  // 4 against 4, completely separated
  EXPECT_TRUE(real.warnings.empty());
  // Three a side: the test cannot reach 0.05, and the warning asks for files, not --repeat.
  const Comparison three =
      compare_runs(combine_runs({run_at(1.0), run_at(1.0), run_at(1.0)}, names),
                   combine_runs({run_at(1.3), run_at(1.3), run_at(1.3)}, names),
                   {.old_files = 3, .new_files = 3});
  ASSERT_EQ(three.warnings.size(), 1u);
  EXPECT_THAT(three.warnings[0], HasSubstr("give 4 or more results.json a side"));

  // A cell failed in one run of the side is failed; one missing from a run is missing.
  SuiteResult failed = run_at(1.0), missing = run_at(1.0);
  failed.cells[0].error = "boom";
  missing.cells.erase(missing.cells.begin());
  const SuiteResult new_side = combine_runs({run_at(1.0), failed, missing}, names);
  ASSERT_EQ(new_side.cells.size(), 2u);
  EXPECT_EQ(new_side.cells[0].error, "boom");
  const Comparison broken = compare_runs(old_side, new_side, {.old_files = 4, .new_files = 3});
  EXPECT_EQ(broken.failed_in_new, 1u);
  EXPECT_EQ(broken.missing_in_new, 0u);
  const SuiteResult without = combine_runs({run_at(1.0), missing}, names);
  EXPECT_EQ(compare_runs(old_side, without, {.old_files = 4, .new_files = 2}).missing_in_new, 1u);

  // Runs of another unit cannot stand for one side.
  SuiteResult other_unit = run_at(1.0);
  other_unit.context.unit_ms = 5;
  EXPECT_THROW(combine_runs({run_at(1.0), other_unit}, names), UsageError);
}

TEST(Compare, TheGateFailsOnFailedMissingCellsAndAnotherMachine) {
  SuiteResult old_run = fixture(), new_run = fixture();
  EXPECT_TRUE(compare_runs(old_run, old_run).gate_failures(false).size() == 1u);  // fixture's
  new_run.cells.erase(new_run.cells.begin());                                     // sync is missing
  new_run.context.hostname = "elsewhere";
  new_run.context.cores = 8;
  const Comparison cmp = compare_runs(old_run, new_run);
  EXPECT_EQ(cmp.missing_in_new, 1u);
  EXPECT_EQ(cmp.failed_in_new, 1u);  // the fixture's processes cell failed
  const std::vector<std::string> failures = cmp.gate_failures(false);
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0], "1 cell failed in the new run");
  EXPECT_EQ(failures[1], "1 cell missing from the new run");
  EXPECT_THAT(failures[2], HasSubstr("host:  -> elsewhere; cores: 2 -> 8"));
  EXPECT_THAT(failures[2], HasSubstr("--allow-context-change"));
  EXPECT_EQ(cmp.gate_failures(true).size(), 2u);
  EXPECT_THAT(compare_markdown(old_run, new_run, cmp),
              HasSubstr("Warning: the runs differ in host:  -> elsewhere; cores: 2 -> 8."));
}

TEST(Compare, RefusesRunsThatMeasureSomethingElse) {
  SuiteResult old_run = fixture(), new_run = fixture();
  new_run.context.unit_ms = 5;
  try {
    check_comparable(old_run, new_run);
    FAIL() << "compared runs of 50 ms and 5 ms units";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("different units (old 50 ms, new 5 ms)"));
  }
  new_run = fixture();
  for (Cell& c : new_run.cells) c.gil = true;
  try {
    check_comparable(old_run, new_run);
    FAIL() << "compared a run without the GIL to one with it";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("slow-arithmetic ran as defaults, lock=a"));
    EXPECT_THAT(e.what(), HasSubstr("but as defaults with the GIL"));
  }
}

TEST(Compare, ZeroAndNegativeMediansGiveNoVerdict) {
  SuiteResult old_run = fixture(), new_run = fixture();
  old_run.cells[0].wall = statistics({0, 0});
  const Comparison cmp = compare_runs(old_run, new_run);
  EXPECT_EQ(cmp.cells[0].verdict, "old median is 0: no ratio");
  EXPECT_EQ(cmp.faster + cmp.slower, 0u);
  old_run.cells[0].wall = statistics({-5, -5});
  EXPECT_THROW(compare_runs(old_run, new_run), UsageError);
}

TEST(Gbench, TablesFromGoogleBenchmarkJson) {
  auto j = nlohmann::json::parse(R"({
    "context": {"date": "2026-11-22", "num_cpus": 2, "mhz_per_cpu": 2445, "library_build_type": "debug"},
    "benchmarks": [
      {"name": "threads/chain/real_time", "run_type": "iteration", "real_time": 1.0, "cpu_time": 0.9,
       "time_unit": "ms", "per_task": 1e-8, "label": "baseline=tbb"},
      {"name": "tbb/chain/real_time", "run_type": "iteration", "real_time": 3.0, "cpu_time": 2.9,
       "time_unit": "ms", "per_task": 3e-8},
      {"name": "threads/chain/real_time_mean", "run_type": "aggregate", "real_time": 1.0}
    ]})");
  std::string md = gbench_markdown(j);
  EXPECT_THAT(md, ::testing::HasSubstr("| 0.33x tbb |"));
  check_golden("gbench.md", md);
  check_golden("gbench.csv", gbench_csv(j));
  EXPECT_THROW(gbench_markdown(nlohmann::json::object()), std::exception);
  // The context's numbers are shown as written, whatever they are.
  j["context"]["num_cpus"] = 1e300;
  j["context"]["mhz_per_cpu"] = "fast";
  EXPECT_THAT(gbench_markdown(j), ::testing::HasSubstr("on 1e+300 CPUs at ? MHz"));
}

TEST(Gbench, RepetitionsUseTheirMedians) {
  auto j = nlohmann::json::parse(R"({"benchmarks": [
      {"name": "sync/chain/real_time_mean", "run_name": "sync/chain/real_time", "run_type": "aggregate",
       "aggregate_name": "mean", "real_time": 9.0, "cpu_time": 9.0, "time_unit": "ms"},
      {"name": "sync/chain/real_time_median", "run_name": "sync/chain/real_time", "run_type": "aggregate",
       "aggregate_name": "median", "real_time": 1.5, "cpu_time": 1.4, "time_unit": "ms"}]})");
  std::string md = gbench_markdown(j);
  EXPECT_THAT(md, ::testing::HasSubstr("| sync/chain/real_time |"));
  EXPECT_THAT(md, ::testing::HasSubstr("| 1.500 ms |"));
  EXPECT_THAT(md, ::testing::Not(::testing::HasSubstr("9.000")));
}

}  // namespace
}  // namespace schedlab::reports
