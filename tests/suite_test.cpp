// The suite's four parts, each on its own: the spec (matrix, suite file, validation), the
// prepared suite (built, calibrated and predicted once), the aggregation (literal repetitions
// in, literal figures out) and the run loop.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/ops.hpp"
#include "schedlab/suite/aggregate.hpp"
#include "schedlab/suite/prepared.hpp"
#include "schedlab/suite/run_loop.hpp"
#include "schedlab/suite/spec.hpp"

namespace schedlab::suite {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string cell_list(const SuiteSpec& s) {
  std::string out;
  for (const CellSpec& c : s.cells) {
    out += c.scenario + "/" + c.scheduler + "/" + std::to_string(c.workers) + (c.gil ? "/gil" : "");
    for (const auto& [k, v] : c.params) out += " " + k + "=" + v;
    out += ";";
  }
  return out;
}

class SuiteFile : public ::testing::Test {
 protected:
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("schedlab_suite_" + std::to_string(getpid()));
  void write(const std::string& text) { std::ofstream(path) << text; }
  void TearDown() override { std::filesystem::remove(path); }
  std::string error_of(const std::string& text) {
    write(text);
    try {
      load_suite_file(path.string());
    } catch (const UsageError& e) {
      return e.what();
    }
    return "no error";
  }
};

// --- spec ---

TEST(Session, APartialResultMarksTheCellInProgressAsTheStopLeftIt) {
  reports::SuiteResult done;
  done.context.cores = 2;
  reports::Cell first;
  first.scenario = "inc-dbl";
  first.scheduler = "sync";
  first.reps = {{.wall_ms = 10}};
  first.wall = reports::statistics({10});
  done.cells.push_back(first);
  reports::Cell running = first;
  running.scheduler = "threads";
  running.reps.clear();
  running.wall = {};
  SuiteSession session(0);
  EXPECT_TRUE(session.partial().cells.empty());  // nothing ran yet
  session.running(done, running, 1);
  request_interrupt(SIGINT);
  reports::SuiteResult stopped = session.partial();
  clear_interrupt();
  ASSERT_EQ(stopped.cells.size(), 2u);
  EXPECT_EQ(stopped.context.cores, 2u);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_TRUE(stopped.cells[1].interrupted);
  EXPECT_FALSE(stopped.cells[0].interrupted);
  // A timeout fails the cell with its message instead.
  reports::Cell timed = running;
  mark_stopped(timed, "timed out after 5 ms (--timeout)");
  EXPECT_TRUE(timed.timed_out);
  EXPECT_EQ(timed.error, "timed out after 5 ms (--timeout)");
  EXPECT_FALSE(timed.interrupted);
}

// `run`'s options as a suite: the command only fills SuiteOptions in.
TEST(Spec, OptionsBecomeASuite) {
  EXPECT_EQ(suite_from_options({}).cells.size(), classroom_suite().cells.size());

  SuiteOptions o{.scenarios = {"inc-dbl"}, .schedulers = {"sync", "threads"}, .workers = {1, 2}};
  o.repeat = 5;
  o.context = {"commit=abc", "course=pp101"};
  const SuiteSpec matrix = suite_from_options(o);
  EXPECT_EQ(matrix.cells.size(), 3u);  // sync once
  EXPECT_EQ(matrix.repeat, 5);
  EXPECT_EQ(matrix.warmup, SuiteSpec{}.warmup);  // not given: the suite's own
  EXPECT_FALSE(matrix.data_dir.empty());
  EXPECT_EQ(matrix.context.at("commit"), "abc");

  o.baseline = "threading";  // an alias
  EXPECT_EQ(suite_from_options(o).baseline, "threads");
  o.baseline = "multiprocessing";
  try {
    suite_from_options(o);
    ADD_FAILURE() << "a baseline no cell runs was taken";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("add -s processes"));
  }
  o.baseline.clear();
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"nokey"}, {"=value"}, {"a=1", "a=2"}}) {
    o.context = bad;
    EXPECT_THROW(suite_from_options(o), UsageError) << bad.front();
  }
  EXPECT_THROW(suite_from_options({.suite_file = "suite.json", .scenarios = {"inc-dbl"}}),
               UsageError);  // a file or flags, not both
}

TEST(Spec, MatrixGivesASchedulerWithFixedWorkersOneCell) {
  SuiteSpec s = matrix_suite({"slow-arithmetic"}, {"synchronous", "threads"}, {1, 2, 4}, {}, false);
  EXPECT_EQ(cell_list(s),
            "slow-arithmetic/sync/1;slow-arithmetic/threads/1;slow-arithmetic/threads/2;"
            "slow-arithmetic/threads/4;");
}

TEST(Spec, MatrixAppliesEachParameterSetOnlyWhereTheScenarioHasIt) {
  SuiteSpec s = matrix_suite({"inc-dbl", "fib"}, {"threads"}, {2},
                             {{{"reduce", "chain"}}, {{"reduce", "tree"}}}, true);
  EXPECT_EQ(cell_list(s),
            "inc-dbl/threads/2/gil reduce=chain;inc-dbl/threads/2/gil reduce=tree;"
            "fib/threads/2/gil;");  // fib lacks `reduce`: one cell, not one per set
}

TEST(Spec, ValuesOfOneParameterAreAlternativesAndNamesCombine) {
  auto text = [](const std::vector<kernels::Params>& sets) {
    std::string out;
    for (const kernels::Params& p : sets) {
      for (const auto& [k, v] : p) out += k + "=" + v + " ";
      out += ";";
    }
    return out;
  };
  EXPECT_EQ(text(param_sets({"reduce=chain", "n=4", "reduce=fanin", "reduce=chain"})),
            "n=4 reduce=chain ;n=4 reduce=fanin ;");
  EXPECT_EQ(text(param_sets({"files=1", "rows=500"})), "files=1 rows=500 ;");
  EXPECT_TRUE(param_sets({}).empty());
  EXPECT_THROW(param_sets({"rows"}), UsageError);
}

TEST(Spec, MatrixRejectsAParameterNoScenarioHas) {
  try {
    matrix_suite({"fib", "sleeplock"}, {"threads"}, {2}, {{{"reduce", "tree"}}}, false);
    FAIL() << "accepted --param reduce for fib and sleeplock";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "--param reduce=tree: none of the scenarios has a parameter 'reduce' (they "
                 "have: fib k, fib n, fib cost, sleeplock lock)");
  }
}

TEST(Spec, NamesGivenTwiceOrByAliasMakeOneCell) {
  SuiteSpec s = matrix_suite({"fib", "fib"}, {"threads", "threading"}, {2, 2}, {}, false);
  EXPECT_EQ(cell_list(s), "fib/threads/2;");
}

TEST_F(SuiteFile, ReadsEveryField) {
  write(R"({"unit_ms": 7, "repeat": 5, "warmup": 2, "context": {"room": "B12"},
            "cells": [{"scenario": "inc-dbl", "params": {"reduce": "tree"},
                       "schedulers": ["threads", "processes"], "workers": [2, 3], "gil": true}]})");
  SuiteSpec s = load_suite_file(path.string());
  EXPECT_EQ(s.unit_ms, 7);
  EXPECT_EQ(s.repeat, 5);
  EXPECT_EQ(s.warmup, 2);
  EXPECT_EQ(s.context, (std::map<std::string, std::string>{{"room", "B12"}}));
  EXPECT_EQ(cell_list(s),
            "inc-dbl/threads/2/gil reduce=tree;inc-dbl/threads/3/gil reduce=tree;"
            "inc-dbl/processes/2/gil reduce=tree;inc-dbl/processes/3/gil reduce=tree;");
}

TEST_F(SuiteFile, ErrorsNameTheFileAndTheField) {
  const std::string p = path.string();
  EXPECT_EQ(error_of(R"({"cells": [], "speed": 1})"),
            p + ": unknown field \"speed\" (fields: unit_ms, repeat, warmup, cells, context)");
  EXPECT_EQ(error_of(R"({"cells": [{"schedulers": ["sync"]}]})"),
            p + ": cells[0]: no \"scenario\" (a scenario name or a graph file)");
  EXPECT_EQ(error_of(R"({"cells": [{"scenario": "fib", "worker": [1]}]})"),
            p + ": cells[0]: unknown field \"worker\" (fields: scenario, params, schedulers, "
                "workers, gil)");
  EXPECT_EQ(error_of(R"({"unit_ms": 5})"), p + ": \"cells\" must be a non-empty list of cells");
  EXPECT_EQ(error_of(R"({"repeat": "x", "cells": []})"),
            p + ": \"repeat\" must be a whole number from 1 to 1000, not \"x\"");
  EXPECT_THAT(error_of("{"), HasSubstr(p + ": invalid JSON: "));
}

// Each malformed field is exit 2 with the file, the cell and the field: never an internal error.
TEST_F(SuiteFile, EveryFieldIsCheckedStrictly) {
  const std::string p = path.string();
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"repeat": 1e400, "cells": [{"scenario": "fib"}]})", ": invalid JSON: "},
      {R"({"repeat": -1, "cells": [{"scenario": "fib"}]})", ": \"repeat\" must be a whole number"},
      {R"({"repeat": 2.5, "cells": [{"scenario": "fib"}]})", ": \"repeat\" must be a whole number"},
      {R"({"warmup": 18446744073709551615, "cells": [{"scenario": "fib"}]})", "\"warmup\""},
      {R"({"unit_ms": -5, "cells": [{"scenario": "fib"}]})", ": \"unit_ms\" must be a number"},
      {R"({"context": {"k": 1}, "cells": [{"scenario": "fib"}]})",
       "\"context.k\" must be a string"},
      {R"({"cells": [{"scenario": "fib", "workers": [0]}]})",
       ": cells[0] (scenario fib): \"workers\" must be a whole number from 1 to 1024, not 0"},
      {R"({"cells": [{"scenario": "fib", "workers": 2}]})",
       ": cells[0] (scenario fib): \"workers\" must be a list"},
      {R"({"cells": [{"scenario": "fib"}, {"scenario": "fib", "schedulers": ["thread"]}]})",
       ": cells[1] (scenario fib), \"schedulers\": unknown scheduler 'thread' (did you mean"},
      {R"({"cells": [{"scenario": "fibb"}]})",
       ": cells[0] (scenario fibb): unknown scenario 'fibb'"},
      {R"({"cells": [{"scenario": "fib", "params": {"m": 1}}]})", ": cells[0] (scenario fib): "},
      {R"({"cells": [{"scenario": "fib", "params": {"n": [1]}}]})", "params.n must be a string"},
      {R"({"cells": [{"scenario": 3}]})", ": cells[0]: \"scenario\" must be a string, not 3"},
      {R"({"cells": [{"scenario": "fib", "gil": 1}]})", "\"gil\" must be true or false, not 1"},
      {R"({"cells": [7]})", ": cells[0]: a cell is an object"},
      {R"([1, 2])", ": a suite file is an object"},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_THAT(error_of(text), HasSubstr(expected.starts_with(": ") ? p + expected : expected))
        << text;
  }
}

TEST(SuiteText, TomlSuiteFilesHaveTheSameFieldsAsJson) {
  SuiteSpec s = parse_suite_text(R"(unit_ms = 7
repeat = 2
[context]
room = "B12"
[[cells]]
scenario = "inc-dbl"
params = { reduce = "tree" }
schedulers = ["threads"]
workers = [2]
gil = true
)",
                                 "suite.toml");
  EXPECT_EQ(s.unit_ms, 7);
  EXPECT_EQ(s.repeat, 2);
  EXPECT_EQ(s.context.at("room"), "B12");
  EXPECT_EQ(cell_list(s), "inc-dbl/threads/2/gil reduce=tree;");
  try {
    parse_suite_text("repeat = \n", "bad.toml");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad.toml:1:"));  // line and column
    EXPECT_THAT(e.what(), HasSubstr("invalid TOML"));
  }
  EXPECT_THROW(parse_suite_text("when = 1979-05-27\n[[cells]]\nscenario = \"fib\"\n", "d.toml"),
               UsageError);
  // toml++ 3.3 mishandles some non-ASCII characters (a fuzz finding): refused before it reads.
  try {
    parse_suite_text("[context]\nroom = \"caf\xc3\xa9\"\n", "u.toml");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("u.toml:2:12: a TOML suite file must be ASCII"));
  }
  EXPECT_EQ(parse_suite_text("[context]\nroom = \"caf\\u00e9\"\n[[cells]]\nscenario = \"fib\"\n",
                             "e.toml")
                .context.at("room"),
            "caf\xc3\xa9");
}

TEST(Spec, ValidationNamesTheBadSetting) {
  SuiteSpec s = matrix_suite({"fib"}, {"threads"}, {2}, {}, false);
  auto error_of = [](const SuiteSpec& spec) -> std::string {
    try {
      validate_suite(spec);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(error_of(s), "no error");
  SuiteSpec bad = s;
  bad.repeat = 0;
  EXPECT_EQ(error_of(bad), "--repeat must be 1 to 1000");
  bad = s;
  bad.warmup = -1;
  EXPECT_EQ(error_of(bad), "--warmup must be 0 to 100");
  bad = s;
  bad.unit_ms = -1;
  EXPECT_EQ(error_of(bad), "--unit must be 0 to 60000 ms");
  bad = s;
  bad.cells.clear();
  EXPECT_EQ(error_of(bad), "the suite has no cells");
  bad = s;
  bad.cells[0].scheduler = "gpu";
  EXPECT_THAT(error_of(bad), HasSubstr("gpu"));
}

// --- prepared suite ---

SuiteSpec small_suite(double unit_ms = 2) {
  SuiteSpec s = matrix_suite({"slow-arithmetic", "inc-dbl"}, {"sync", "threads"}, {1, 2},
                             {{{"reduce", "chain"}}, {{"reduce", "fanin"}}}, false);
  s.unit_ms = unit_ms;
  s.repeat = 2;
  s.warmup = 1;
  return s;
}

TEST(Prepared, BuildsEachScenarioInstanceOnceAndPredictsEveryCell) {
  PreparedSuite p(small_suite());
  // slow-arithmetic once (no parameter), inc-dbl twice (chain, fanin); 3 schedulers/workers each.
  EXPECT_EQ(p.size(), 9u);
  EXPECT_EQ(p.instances(), 3u);
  EXPECT_EQ(&p.scenario(0), &p.scenario(2));
  EXPECT_NE(&p.scenario(3), &p.scenario(6));
  // The lesson: 4 slow ops in series, 3 with two workers; each one unit (2 ms).
  EXPECT_EQ(p.cell(0).scheduler, "sync");
  EXPECT_TRUE(p.cell(0).baseline);
  EXPECT_NEAR(p.cell(0).predicted_ms, 8, 0.5);
  EXPECT_EQ(p.cell(2).scheduler, "threads");
  EXPECT_EQ(p.cell(2).workers, 2u);
  EXPECT_FALSE(p.cell(2).baseline);
  EXPECT_NEAR(p.cell(2).predicted_ms, 6, 0.5);
  EXPECT_EQ(p.cell(3).params, "reduce=chain");
  EXPECT_TRUE(p.cell(0).sleep_bound);
  EXPECT_TRUE(p.cell(0).reps.empty());
  double sum = 0;
  for (size_t i = 0; i < p.size(); ++i) sum += p.cell(i).predicted_ms;
  // 2 measured + 1 warm-up + the profile run per cell
  EXPECT_DOUBLE_EQ(p.estimate_ms(), sum * 4);
}

TEST(Prepared, RejectsAnInvalidSpecBeforeBuildingAnything) {
  SuiteSpec s = small_suite();
  s.repeat = 0;
  EXPECT_THROW(PreparedSuite{s}, UsageError);
}

TEST_F(SuiteFile, AGraphFileRunsWhereAScenarioWould) {
  write(R"({"description": "Two naps side by side, then a sum.",
            "tasks": {"a": {"op": "inc", "args": [1], "sleep_ms": 5},
                      "b": {"op": "inc", "args": [2], "sleep_ms": 5},
                      "c": {"op": "add", "args": [{"ref": "a"}, {"ref": "b"}]}}})");
  // A file name without ".json" or "/" counts when the file exists.
  SuiteSpec s = matrix_suite({path.string()}, {"sync", "threads"}, {2}, {}, false);
  s.repeat = 1;
  PreparedSuite p(s);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.lesson(0), "Two naps side by side, then a sum.");
  EXPECT_NEAR(p.cell(0).predicted_ms, 10, 0.5);
  EXPECT_NEAR(p.cell(1).predicted_ms, 5, 0.5);
  reports::SuiteResult r = run_suite(p, {}, {});
  ASSERT_EQ(r.cells.size(), 2u);
  EXPECT_EQ(r.cells[1].id(), path.string() + "/threads/2");
  EXPECT_TRUE(r.cells[1].reps.at(0).trace.empty());  // measured runs are not traced
  EXPECT_EQ(r.cells[1].profile.trace.size(), 3u);
  EXPECT_TRUE(r.lesson_verdicts.empty());  // a graph file makes no claims to judge
  EXPECT_EQ(r.lessons.at(path.string()), "Two naps side by side, then a sum.");

  SuiteSpec missing = matrix_suite({"no/such/graph.json"}, {"sync"}, {1}, {}, false);
  try {
    PreparedSuite{missing};
    FAIL() << "accepted a missing graph file";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "graph file 'no/such/graph.json': No such file or directory");
  }
}

TEST_F(SuiteFile, AGraphFileWhoseTaskFailsIsACellErrorNotAnAbortedRun) {
  write(R"({"tasks": {"a": {"op": "inc", "args": [1]},
                      "b": {"op": "div", "args": [{"ref": "a"}, 0], "sleep_ms": 3}}})");
  SuiteSpec s = matrix_suite({path.string()}, {"sync"}, {1}, {}, false);
  s.repeat = 1;
  PreparedSuite p(s);
  EXPECT_NEAR(p.cell(0).predicted_ms, 3, 0.5);  // sleeps only
  EXPECT_THAT(p.cell(0).reasoning, Contains(HasSubstr("calibration stopped: task 'b' (op div) "
                                                      "failed: division by zero; compute times")));
  reports::SuiteResult r = run_suite(p, {}, {});
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].error, "task 'b' (op div) failed: division by zero");
}

TEST_F(SuiteFile, CalibrationRunsTasksInAChildSoACrashIsAMessage) {
  // Before, calibration ran the tasks here: `crash` aborted this very test process.
  write(R"({"tasks": {"c": {"op": "crash"}}})");
  SuiteSpec s = matrix_suite({path.string()}, {"threads"}, {1}, {}, false);
  PreparedSuite p(s);
  EXPECT_THAT(p.cell(0).reasoning,
              Contains(HasSubstr("calibration stopped: its child process was killed by signal 6")));
}

TEST_F(SuiteFile, CalibrationOfATaskThatNeverReturnsEndsAtTheTaskTimeout) {
  write(R"({"tasks": {"h": {"op": "hang"}}})");
  SuiteSpec s = matrix_suite({path.string()}, {"processes"}, {1}, {}, false);
  s.limits.task = std::chrono::milliseconds(20);
  PreparedSuite p(s);
  EXPECT_THAT(p.cell(0).reasoning,
              Contains(HasSubstr("calibration stopped: it ran past its time limit of 10 runs of "
                                 "--task-timeout per task")));
}

TEST(Prepared, PredictRunsTheUsersOpsOnlyWhenAsked) {
  // An op of the user's (registered through the C++ API, not schedlab's own) that computes for
  // 30 ms: predict times it only with --calibrate; schedlab's own ops are timed either way.
  static const Op& mine = register_op("test.user_compute", "30 ms of CPU", [](int64_t x) {
    const std::vector<Value> ms{Value(int64_t{30})};
    OpRegistry::global().get("busy").fn(ms);  // the user's own work, done by schedlab's op
    return x;
  });
  EXPECT_FALSE(mine.own);
  EXPECT_TRUE(OpRegistry::global().get("busy").own);
  Graph g;
  Delayed a = call(g, "test.user_compute", 1);
  Delayed b = call(g, "busy", 30);
  std::vector<NodeId> targets{a.id(), b.id()};

  CellPrediction asked_not = predict_graph(g, targets, "sync", {});
  EXPECT_THAT(asked_not.reasoning,
              Contains(HasSubstr("test.user_compute is your code, which predict runs (in a "
                                 "child process) only when asked with --calibrate")));
  EXPECT_EQ(asked_not.compute_ms, 0);

  CellPrediction asked = predict_graph(g, targets, "sync", {}, true);
  EXPECT_THAT(asked.reasoning, Not(Contains(HasSubstr("--calibrate"))));
  EXPECT_GE(asked.compute_ms, 2 * 25.0);  // both timed (a sanity bound, not a timing)

  Graph own;
  std::vector<NodeId> own_targets{call(own, "busy", 30).id()};
  EXPECT_GE(predict_graph(own, own_targets, "sync", {}).compute_ms, 25.0);
}

// --- aggregation ---

reports::Cell measured(std::string scheduler, unsigned workers, bool baseline,
                       std::vector<double> walls, bool gil = false) {
  reports::Cell c;
  c.scenario = "fib";
  c.scheduler = std::move(scheduler);
  c.workers = workers;
  c.baseline = baseline;
  c.gil = gil;
  uint64_t k = 1;
  for (double w : walls) {
    c.reps.push_back({.wall_ms = w,
                      .cpu_ms = 2 * w,
                      .peak_rss_bytes = 1000 * k,
                      .bytes_to_workers = 10 * k,
                      .bytes_from_workers = k});
    ++k;
  }
  return c;
}

TEST(Aggregate, FiguresFromRepetitions) {
  reports::SuiteResult r;
  // The baseline comes after a cell that needs it: speedups wait for every statistic.
  r.cells.push_back(measured("threads", 2, false, {5, 6, 5.5}));
  r.cells.push_back(measured("sync", 1, true, {10, 12, 11}));
  r.cells.push_back(measured("threads", 2, false, {4}, /*gil=*/true));  // no GIL baseline
  r.cells.push_back(measured("threads", 4, false, {}));                 // failed at once
  aggregate(r, 0);
  const reports::Cell& t = r.cells[0];
  EXPECT_EQ(t.wall.n, 3u);
  EXPECT_DOUBLE_EQ(t.wall.median, 5.5);
  EXPECT_DOUBLE_EQ(t.wall.min, 5);
  EXPECT_DOUBLE_EQ(t.wall.max, 6);
  EXPECT_DOUBLE_EQ(t.cpu_ms, 11);
  EXPECT_EQ(t.peak_rss_bytes, 3000u);
  EXPECT_EQ(t.bytes_moved, 22u);  // the median of 11, 22, 33
  EXPECT_DOUBLE_EQ(t.speedup, 2.0);
  EXPECT_DOUBLE_EQ(t.efficiency, 1.0);
  EXPECT_EQ(t.speedup_against, "sync/1");
  EXPECT_DOUBLE_EQ(r.cells[1].speedup, 1.0);
  EXPECT_DOUBLE_EQ(r.cells[2].speedup, 0);
  EXPECT_EQ(r.cells[2].speedup_against, "");
  EXPECT_EQ(r.cells[3].wall.n, 0u);
  EXPECT_DOUBLE_EQ(r.cells[3].speedup, 0);
  EXPECT_EQ(r.cells[3].bytes_moved, 0u);
}

// run --baseline tbb: speedups against tbb at its fewest workers, whatever the registry marks.
TEST(Aggregate, SpeedupsAgainstTheChosenBaseline) {
  reports::SuiteResult r;
  r.context.speedup_baseline = "tbb";
  r.cells.push_back(measured("sync", 1, true, {40}));
  r.cells.push_back(measured("tbb", 2, false, {10}));
  r.cells.push_back(measured("tbb", 1, false, {20}));
  r.cells.push_back(measured("mine", 2, false, {8}));
  aggregate(r, 0);
  EXPECT_DOUBLE_EQ(r.cells[0].speedup, 0.5);  // sync took twice tbb/1's time
  EXPECT_DOUBLE_EQ(r.cells[1].speedup, 2.0);
  EXPECT_DOUBLE_EQ(r.cells[2].speedup, 1.0);
  EXPECT_DOUBLE_EQ(r.cells[3].speedup, 2.5);
  EXPECT_DOUBLE_EQ(r.cells[3].efficiency, 1.25);
  for (const reports::Cell& c : r.cells) EXPECT_EQ(c.speedup_against, "tbb/1") << c.scheduler;
}

TEST(Aggregate, IsIdempotentAndWarnsAboutNoise) {
  reports::SuiteResult r;
  r.cells.push_back(measured("sync", 1, true, {10, 10.1, 10, 30}));
  aggregate(r, 0);
  aggregate(r, 0);
  ASSERT_EQ(r.cells[0].warnings.size(), 2u);
  EXPECT_EQ(r.cells[0].warnings[0].kind, "noise");
  EXPECT_EQ(r.cells[0].warnings[1].kind, "outliers");
}

// --- run loop ---

TEST(RunLoop, RunsEveryCellMeasuresAndCallsBack) {
  PreparedSuite p(small_suite(1));
  std::vector<std::string> started;
  size_t finished = 0, callbacks = 0;
  Progress progress;
  progress.run_started = [&](size_t i, size_t n, const reports::Cell& c, int run, int runs) {
    EXPECT_EQ(n, 9u);
    EXPECT_EQ(runs, 4);  // the profile run, 1 warm-up, 2 measured
    started.push_back(std::to_string(i) + c.scheduler + std::to_string(run));
  };
  progress.cell_finished = [&](size_t, size_t, const reports::Cell&) { ++finished; };
  reports::SuiteResult r = run_suite(p, progress, [&](const reports::SuiteResult& so_far) {
    ++callbacks;
    EXPECT_EQ(so_far.cells.size(), callbacks);
  });
  ASSERT_EQ(r.cells.size(), 9u);
  EXPECT_EQ(started.size(), 36u);
  EXPECT_THAT(std::vector<std::string>(started.begin(), started.begin() + 4),
              ElementsAre("0sync0", "0sync1", "0sync2", "0sync3"));
  EXPECT_EQ(finished, 9u);
  EXPECT_FALSE(r.interrupted);
  EXPECT_EQ(r.context.repeat, 2);
  EXPECT_EQ(r.context.warmup, 2);  // the profile run and the asked-for warm-up
  EXPECT_EQ(r.lessons.count("slow-arithmetic"), 1u);
  for (const reports::Cell& c : r.cells) {
    EXPECT_EQ(c.error, "") << c.id();
    ASSERT_EQ(c.reps.size(), 2u) << c.id();  // the warm-up and profile runs are not kept
    EXPECT_GT(c.speedup, 0) << c.id();
    // The measured runs carry nothing per task; the profile run has the trace and samples.
    EXPECT_TRUE(c.reps[0].trace.empty()) << c.id();
    EXPECT_TRUE(c.reps[0].resources.empty()) << c.id();
    EXPECT_FALSE(c.profile.trace.empty()) << c.id();
    EXPECT_GE(c.profile.resources.size(), 2u) << c.id();
  }
  // Four sleeps of one unit in series at least.
  EXPECT_GE(r.cells[0].wall.median, 4.0);
  EXPECT_EQ(r.cells[0].profile.trace.size(), 4u);
  // Both lessons have claims; their verdicts come in the order the lessons ran.
  ASSERT_EQ(r.lesson_verdicts.size(), 2u);
  EXPECT_EQ(r.lesson_verdicts[0].scenario, "slow-arithmetic");
  EXPECT_EQ(r.lesson_verdicts[0].notebook, "Dask Schedulers");
  EXPECT_EQ(r.lesson_verdicts[1].scenario, "inc-dbl");
}

// Calibration's copies side by side (one per core, at most 8) each take about what the
// calibrating process holds: no more of them than half the available memory holds.
TEST(Calibration, SideBySideCopiesFitInHalfTheAvailableMemory) {
  constexpr uint64_t GB = uint64_t{1} << 30;
  EXPECT_EQ(side_by_side_copies(2, 20 * GB, GB / 10), 2u);
  EXPECT_EQ(side_by_side_copies(64, 20 * GB, GB / 10), 8u);
  EXPECT_EQ(side_by_side_copies(16, 16 * GB, 3 * GB), 2u);  // a 3 GB graph: 2 copies, not 8
  EXPECT_EQ(side_by_side_copies(16, 4 * GB, 3 * GB), 1u);   // none side by side
  EXPECT_EQ(side_by_side_copies(4, 0, 3 * GB), 4u);         // not known: not capped
  EXPECT_EQ(side_by_side_copies(0, 20 * GB, 0), 1u);
}

// What a cell's pool threads freed stays resident in their allocator arenas; a later cell's peak
// must not count it (slow-arithmetic on threads read 21 MB after flights, 7.7 MB alone).
TEST_F(SuiteFile, EachCellsPeakMemoryIsItsOwn) {
  use_steady_allocator();  // as `run` does: freed blocks stay in the arenas
  static const Op& touch = register_op("touch_48mb", "touches 48 MB, frees it", [](int64_t x) {
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 48; ++i) {
      blocks.emplace_back(new char[1 << 20]);
      std::memset(blocks.back().get(), static_cast<int>(x), 1 << 20);
    }
    return x;
  });
  write(fmt::format(
      R"({{"tasks": {{"a": {{"op": "{0}", "args": [1]}}, "b": {{"op": "{0}", "args": [2]}},
                                   "c": {{"op": "{0}", "args": [3]}}, "d": {{"op": "{0}", "args": [4]}}}}}})",
      touch.name));
  auto peak_of_last = [](SuiteSpec s) {
    s.unit_ms = 1;
    s.repeat = 1;
    const reports::SuiteResult r = run_suite(PreparedSuite(std::move(s)), {}, {});
    EXPECT_EQ(r.cells.back().error, "");
    return static_cast<double>(r.cells.back().peak_rss_bytes);
  };
  SuiteSpec after = matrix_suite({path.string()}, {"threads"}, {2}, {}, false);
  add_cells(after, "slow-arithmetic", {}, {"threads"}, {2}, false);
  const double alone = peak_of_last(matrix_suite({"slow-arithmetic"}, {"threads"}, {2}, {}, false));
  const double behind = peak_of_last(after);
  EXPECT_GT(alone, 0);
  EXPECT_LE(behind, 1.3 * alone + 8e6)
      << "alone " << alone / 1e6 << " MB, after " << behind / 1e6 << " MB";
}

TEST(RunLoop, AnInterruptKeepsWhatWasMeasuredAndStops) {
  PreparedSuite p(small_suite(1));
  size_t cells = 0;
  reports::SuiteResult r = run_suite(p, {}, [&](const reports::SuiteResult& so_far) {
    if (++cells == 2) request_interrupt();
    EXPECT_EQ(so_far.cells.size(), cells);
  });
  clear_interrupt();
  ASSERT_EQ(r.cells.size(), 3u);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.cells[1].reps.size(), 2u);
  EXPECT_TRUE(r.cells[2].interrupted);
  EXPECT_TRUE(r.cells[2].reps.empty());
}

}  // namespace
}  // namespace schedlab::suite
