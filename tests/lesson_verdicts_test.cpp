// Lessons judged by their claims, on synthetic results: held, not held on a quiet machine,
// inconclusive on a busy one or one with too few cores, untested, and no verdict for graph files.
#include "schedlab/suite/lesson_verdicts.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedlab/kernels/scenarios.hpp"

namespace schedlab::suite {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A cell measured 3 times at `median` ms; `busy` is the share of the 2 cores other programs
// took meanwhile.
reports::Cell cell(const std::string& scenario, const std::string& scheduler, unsigned workers,
                   double median, kernels::Params params = {}, bool gil = false,
                   double busy = 0.01) {
  reports::Cell c;
  c.scenario = scenario;
  c.scheduler = scheduler;
  c.workers = workers;
  c.baseline = scheduler == "sync";
  c.param_values = std::move(params);
  for (const auto& [k, v] : c.param_values) c.params += (c.params.empty() ? "" : " ") + k + "=" + v;
  c.gil = gil;
  std::vector<double> walls;
  for (double w : {median * 0.99, median, median * 1.01}) {
    c.reps.push_back({.wall_ms = w, .other_cpu_ms = busy * w * 2});
    walls.push_back(w);
  }
  c.wall = reports::statistics(walls);
  return c;
}

// A run on a machine of `cores`, at the classroom's unit (lessons are not judged at unit 0).
reports::SuiteResult run_on(unsigned cores) {
  reports::SuiteResult r;
  r.context.cores = cores;
  r.context.unit_ms = 100;
  return r;
}

reports::SuiteResult sleeplock(double threads_ms, double threads_busy = 0.01) {
  reports::SuiteResult r = run_on(2);
  const kernels::Params lock{{"lock", "process"}};
  r.cells = {cell("sleeplock", "sync", 1, 400, lock),
             cell("sleeplock", "threads", 2, threads_ms, lock, false, threads_busy),
             cell("sleeplock", "processes", 2, 300, lock)};
  return r;
}

TEST(LessonVerdicts, HeldWhenEveryTestedClaimChecksOut) {
  const std::vector<reports::LessonVerdict> v = judge_lessons(sleeplock(404));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].scenario, "sleeplock");
  EXPECT_EQ(v[0].notebook, "Dask Schedulers");
  EXPECT_FALSE(v[0].takeaway.empty());
  EXPECT_EQ(v[0].verdict, "held");
  ASSERT_EQ(v[0].claims.size(), 3u);
  EXPECT_EQ(v[0].claims[0].verdict, "held");
  EXPECT_THAT(v[0].claims[0].detail, HasSubstr("threads/2 against sync/1: 1.01"));
  EXPECT_EQ(v[0].claims[1].verdict, "held");
  EXPECT_THAT(v[0].claims[1].detail, HasSubstr("processes/2 against sync/1: 0.75"));
  // lock=global did not run: that claim is untested, and the lesson still holds.
  EXPECT_EQ(v[0].claims[2].verdict, "untested");
}

TEST(LessonVerdicts, AtUnitZeroNothingIsJudged) {
  // --unit 0 takes the sleeps and the computing out of every lesson: the ratios left are the
  // schedulers' own costs (threads 3.75 times sync on a quiet machine), no lesson's claim.
  reports::SuiteResult r = sleeplock(1500);
  r.context.unit_ms = 0;
  const std::vector<reports::LessonVerdict> v = judge_lessons(r);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].verdict, "inconclusive");
  EXPECT_EQ(v[0].claims[0].verdict, "inconclusive");
  EXPECT_THAT(v[0].reason, HasSubstr("At --unit 0 the tasks neither sleep nor compute"));
  EXPECT_EQ(v[0].claims[2].verdict, "untested");
}

TEST(LessonVerdicts, NotHeldWhenAClaimFailsOnAQuietMachine) {
  // Threads ran as fast as processes: the lock did not serialise them.
  const std::vector<reports::LessonVerdict> v = judge_lessons(sleeplock(300));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].verdict, "not held");
  EXPECT_EQ(v[0].claims[0].verdict, "not held");
  EXPECT_THAT(v[0].reason, HasSubstr("threads with 2 workers take as long as sync"));
  EXPECT_THAT(v[0].reason, HasSubstr("0.75 (about 1.00 wanted, within 10%)"));
  EXPECT_THAT(v[0].reason, HasSubstr("Missed on a quiet machine"));
}

TEST(LessonVerdicts, AMissOnABusyMachineIsInconclusive) {
  const std::vector<reports::LessonVerdict> v = judge_lessons(sleeplock(300, 0.45));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].verdict, "inconclusive");
  EXPECT_EQ(v[0].claims[0].verdict, "inconclusive");
  EXPECT_THAT(v[0].claims[0].detail,
              HasSubstr("threads/2 against sync/1 missed, but the machine was busy: other "
                        "programs took up to 45% of the CPU"));
  // The same busy machine does not make a claim that holds inconclusive.
  EXPECT_EQ(judge_lessons(sleeplock(400, 0.45))[0].verdict, "held");
}

TEST(LessonVerdicts, AComputingClaimNeedsTheCoresItCounts) {
  reports::SuiteResult r = run_on(1);
  const kernels::Params k4{{"k", "4"}};
  r.cells = {cell("fib", "sync", 1, 400, k4), cell("fib", "threads", 2, 400, k4)};
  const std::vector<reports::LessonVerdict> v = judge_lessons(r);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].claims[0].verdict, "inconclusive");
  EXPECT_THAT(v[0].claims[0].detail, HasSubstr("it needs 2 cores and the machine has 1"));
  r.context.cores = 2;
  EXPECT_EQ(judge_lessons(r)[0].claims[0].verdict, "not held");
}

TEST(LessonVerdicts, TheGilVariantPicksItsOwnClaims) {
  reports::SuiteResult r = run_on(2);
  const kernels::Params k4{{"k", "4"}};
  r.cells = {cell("fib", "sync", 1, 400, k4, true), cell("fib", "threads", 2, 410, k4, true),
             cell("fib", "processes", 2, 205, k4, true)};
  const std::vector<reports::LessonVerdict> v = judge_lessons(r);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].verdict, "held");
  EXPECT_EQ(v[0].claims[0].verdict, "untested");  // the claim without the GIL
  EXPECT_EQ(v[0].claims[1].verdict, "held");
  EXPECT_EQ(v[0].claims[2].verdict, "held");
}

TEST(LessonVerdicts, AKindAgainstItselfComparesEachSchedulerWithItself) {
  reports::SuiteResult r = run_on(2);
  r.cells = {cell("slow-arithmetic", "sync", 1, 400), cell("slow-arithmetic", "threads", 2, 300),
             cell("slow-arithmetic", "threads", 4, 302),
             cell("slow-arithmetic", "processes", 2, 310),
             cell("slow-arithmetic", "processes", 4, 200)};
  const std::vector<reports::LessonVerdict> v = judge_lessons(r);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].claims[1].verdict, "not held");
  EXPECT_THAT(v[0].claims[1].detail, HasSubstr("threads/4 against threads/2: 1.01"));
  EXPECT_THAT(v[0].claims[1].detail, HasSubstr("processes/4 against processes/2: 0.65"));
  EXPECT_THAT(v[0].claims[1].detail, Not(HasSubstr("threads/4 against processes/2")));
}

TEST(LessonVerdicts, NothingToTestIsInconclusiveAndGraphFilesGetNoVerdict) {
  reports::SuiteResult r;
  r.cells = {cell("sleeplock", "sync", 1, 400, {{"lock", "process"}}),
             cell("graphs/mine.json", "sync", 1, 10), cell("random-dag", "sync", 1, 10)};
  const std::vector<reports::LessonVerdict> v = judge_lessons(r);
  ASSERT_EQ(v.size(), 1u);  // random-dag teaches nothing to hold it to; a graph file neither
  EXPECT_EQ(v[0].verdict, "inconclusive");
  EXPECT_THAT(v[0].reason, HasSubstr("no cell of this run tests its claims"));
}

// flights: two parses side by side may gain nothing on one scheduler (openmp on this project's
// VM); that threads can share the parsing is shown by one scheduler of the kind.
TEST(LessonVerdicts, SomeClaimsNeedOnePairOnly) {
  reports::SuiteResult r = run_on(2);
  const kernels::Params four{{"files", "4"}};
  r.cells = {cell("flights", "sync", 1, 450, four), cell("flights", "threads", 2, 249, four),
             cell("flights", "openmp", 2, 630, four), cell("flights", "processes", 2, 1600, four)};
  std::vector<reports::LessonVerdict> v = judge_lessons(r);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].verdict, "held");
  EXPECT_THAT(v[0].claims[0].detail, HasSubstr("openmp/2 against sync/1: 1.40"));
  EXPECT_THAT(v[0].claims[0].detail, HasSubstr("One pair suffices"));
  r.cells[1] = cell("flights", "threads", 2, 430, four);  // neither shares the parsing
  v = judge_lessons(r);
  EXPECT_EQ(v[0].claims[0].verdict, "not held");
}

// A claim whose fraction depends on a count holds for the notebook's count only: inc-dec-add
// with n=3 takes 5 of 9 units on 2 workers, which is no failure of the lesson.
TEST(LessonVerdicts, ClaimsForTheNotebooksCountLeaveOtherCountsUntested) {
  reports::SuiteResult r = run_on(2);
  const kernels::Params n3{{"n", "3"}};
  r.cells = {cell("inc-dec-add", "sync", 1, 900, n3), cell("inc-dec-add", "threads", 2, 500, n3)};
  const std::vector<reports::LessonVerdict> v = judge_lessons(r);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].claims[0].verdict, "untested");
  EXPECT_EQ(v[0].verdict, "inconclusive");
}

TEST(LessonVerdicts, AFailedCellIsNoEvidenceEitherWay) {
  reports::SuiteResult r = sleeplock(404);
  r.cells[1].error = "worker died";
  const std::vector<reports::LessonVerdict> v = judge_lessons(r);
  EXPECT_EQ(v[0].claims[0].verdict, "inconclusive");
  EXPECT_THAT(v[0].claims[0].detail, HasSubstr("a cell failed or was not measured"));
}

}  // namespace
}  // namespace schedlab::suite
