// The lesson flow (suite/lesson.hpp): its cases, guesses, one prediction path and runs; and
// what `schedlab lesson` tells a student whose guess was off.
#include "schedlab/suite/lesson.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedlab/core/errors.hpp"
#include "schedlab/suite/lesson_feedback.hpp"

namespace schedlab::suite {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::vector<std::string> names(const std::vector<LessonCase>& cases) {
  std::vector<std::string> out;
  for (const LessonCase& c : cases) out.push_back(c.scheduler + "/" + std::to_string(c.workers));
  return out;
}

TEST(LessonFlow, TheCasesAreTheBaselineThenThreadsThenProcessesAtEveryCount) {
  const unsigned one[] = {2}, two[] = {2, 4};
  EXPECT_EQ(names(lesson_cases(one)),
            (std::vector<std::string>{"sync/1", "threads/2", "processes/2"}));
  EXPECT_EQ(names(lesson_cases(two)), (std::vector<std::string>{"sync/1", "threads/2", "threads/4",
                                                                "processes/2", "processes/4"}));
}

TEST(LessonFlow, ChosenSchedulersReplaceTheDefaultPairBesideTheBaseline) {
  if (!SchedulerRegistry::global().has("distributed")) GTEST_SKIP() << "built without MPI";
  const unsigned counts[] = {2, 8};
  const std::string chosen[] = {"mpi", "threads"};  // an alias, as on the command line
  const std::vector<LessonCase> cases = lesson_cases(counts, chosen, 2);
  EXPECT_EQ(names(cases), (std::vector<std::string>{"sync/1", "distributed/2", "distributed/8",
                                                    "threads/2", "threads/8"}));
  EXPECT_EQ(cases[1].threads, 2u);  // worker processes of threads
  EXPECT_EQ(cases[3].threads, 1u);  // not for threads
  EXPECT_EQ(cases[2].lanes(), 16u);
  EXPECT_EQ(cluster_summary(cases[1], 4'000'000'000),
            "distributed: 2 worker processes x 2 threads = 4 threads, memory limit 4 GB each "
            "(8 GB)");
  EXPECT_EQ(cluster_summary(cases[2], 0),
            "distributed: 8 worker processes x 2 threads = 16 threads, no memory limit");
  EXPECT_EQ(cluster_summary(cases[3], 0), "");
  // Cluster settings where no case has a cluster are refused, saying where they apply.
  for (const LessonSettings& s : {LessonSettings{.name = "inc-dbl", .threads_per_worker = 2},
                                  LessonSettings{.name = "inc-dbl", .memory_limit = 1 << 30}}) {
    try {
      Lesson lesson(s);
      ADD_FAILURE() << "taken";
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), HasSubstr("none of the lesson's schedulers"));
      EXPECT_THAT(e.what(), HasSubstr("(it applies to the distributed scheduler"));
      EXPECT_THAT(e.what(), HasSubstr("add -s distributed"));
    }
  }
}

TEST(LessonFlow, AGuessGoesToTheOneCaseItNames) {
  const unsigned counts[] = {2, 4};
  std::vector<LessonCase> cases = lesson_cases(counts);
  apply_guess("threads/4=2", cases);
  apply_guess("sync=4 seconds", cases);
  apply_guess("multiprocessing/2=1500ms", cases);  // an alias
  EXPECT_EQ(cases[0].guess, 4.0);
  EXPECT_FALSE(cases[1].guess);
  EXPECT_EQ(cases[2].guess, 2.0);
  EXPECT_EQ(cases[3].guess, 1.5);
  for (const char* wrong : {"threads=3", "threads/8=3", "threads/x=3", "nope=3", "threads"}) {
    try {
      apply_guess(wrong, cases);
      ADD_FAILURE() << wrong << " was taken";
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), HasSubstr("(sync, threads/2, threads/4, processes/2, processes/4)"))
          << wrong;
    }
  }
  EXPECT_THROW(apply_guess("threads/2=5m", cases), UsageError);    // minutes: not a guess
  EXPECT_THROW(apply_guess("threads/2=4000", cases), UsageError);  // over an hour
}

TEST(LessonFlow, BadSettingsAreRefusedBeforeAnythingRuns) {
  EXPECT_THROW(Lesson({.name = "flights-of-fancy"}), UsageError);
  EXPECT_THROW(Lesson({.name = "random-dag"}), UsageError);  // a scenario, not a lesson
  EXPECT_THROW(Lesson({.name = "inc-dbl", .params = {"reduce=sideways"}}), UsageError);
  EXPECT_THROW(Lesson({.name = "inc-dbl", .unit_ms = 0}), UsageError);
  EXPECT_THROW(Lesson({.name = "inc-dbl", .guesses = {"openmp=3"}}), UsageError);
}

// Every case predicted by the suite's path (in the lesson's seconds) and run once: the sleeps
// alone take 4 seconds on one worker and 3 on two, whatever the machine (no upper bound).
TEST(LessonFlow, EachCaseIsPredictedThenRunOnce) {
  Lesson lesson({.name = "slow-arithmetic", .unit_ms = 5, .workers = {2}, .fresh_pool = true});
  ASSERT_EQ(lesson.cases().size(), 3u);
  for (size_t i = 0; i < lesson.cases().size(); ++i) {
    const std::vector<Value> values = lesson.run_case(i);
    ASSERT_EQ(values.size(), 1u);
    EXPECT_DOUBLE_EQ(values[0].as_double(), -1.6);  // (1 + 3) * (2 - 4) / 5
  }
  const std::vector<LessonCase>& c = lesson.cases();
  EXPECT_NEAR(c[0].predicted, 4, 0.2);
  EXPECT_NEAR(c[1].predicted, 3, 0.2);
  EXPECT_GE(c[0].measured, 4 * 0.99);
  EXPECT_GE(c[1].measured, 3 * 0.99);
  EXPECT_EQ(c[0].span, c[1].span);
  EXPECT_THAT(c[0].chain, HasSubstr("->"));
  // --pool fresh reaches the prediction of the scheduler that keeps a pool, and only there.
  EXPECT_THAT(c[2].reasoning, Contains(HasSubstr("fresh pool")));
  EXPECT_THAT(c[1].reasoning, Not(Contains(HasSubstr("fresh pool"))));
  EXPECT_GT(c[2].predicted, c[1].predicted);
}

TEST(LessonFlow, TheGilIsTheLessonsUnlessAsked) {
  EXPECT_TRUE(Lesson({.name = "fib", .unit_ms = 1}).gil());  // its notebook is about the GIL
  EXPECT_FALSE(Lesson({.name = "fib", .unit_ms = 1, .gil = false}).gil());
  EXPECT_FALSE(Lesson({.name = "slow-arithmetic", .unit_ms = 1}).gil());
  EXPECT_TRUE(Lesson({.name = "slow-arithmetic", .unit_ms = 1, .gil = true}).gil());
}

TEST(LessonFlow, AnswersAreReadAsPeopleWriteThem) {
  const List four{Value(2), Value(3), Value(4), Value(5)};
  EXPECT_EQ(read_answer("(2, 3, 4, 5)"), Value(four));  // Python's tuple
  EXPECT_EQ(read_answer(" [2,3,4,5] "), Value(four));
  EXPECT_EQ(read_answer("6"), Value(6));
  EXPECT_EQ(read_answer("-1.6"), Value(-1.6));
  EXPECT_EQ(read_answer("'EWR'"), Value("EWR"));
  EXPECT_EQ(read_answer("(2,)"), Value(List{Value(2)}));  // a tuple of one
  EXPECT_EQ(read_answer("\"a(b'\""), Value("a(b'"));      // nothing changes inside a string
  EXPECT_EQ(read_answer("['x\"y']"), Value(List{Value("x\"y")}));
  for (const char* none : {"abc", "", "[1, 2", "{\"a\": 1}", "null"})
    EXPECT_FALSE(read_answer(none)) << none;
  LessonQuestion q{.answer = Value(6.0), .value = Value(6)};
  EXPECT_TRUE(q.right());  // 6.0 is 6
  q.answer = Value(List{Value(2.0), Value(3)});
  q.value = Value(Array{2, 3});
  EXPECT_TRUE(q.right());
  q.answer = Value(List{Value(2), Value(4)});
  EXPECT_FALSE(q.right());
  q.answer.reset();
  EXPECT_FALSE(q.right());  // no answer is not right
}

// Seed 002's questions: the map's values and the reduce's, answered before the run.
TEST(LessonFlow, TheNotebooksValueQuestionsAreAskedAndChecked) {
  Lesson lesson({.name = "map-reduce", .unit_ms = 1, .answers = {"1=(2, 3, 4, 5)", "2=6"}});
  ASSERT_EQ(lesson.questions().size(), 2u);
  EXPECT_EQ(lesson.questions()[0].asked, "b = list(map(addTwo, a)); dask.compute(*b)");
  lesson.compute_answers();
  EXPECT_EQ(lesson.questions()[0].value, Value(List{Value(2), Value(3), Value(4), Value(5)}));
  EXPECT_EQ(lesson.questions()[1].value, Value(14));  // b's sum, not a's
  EXPECT_TRUE(lesson.questions()[0].right());
  EXPECT_FALSE(lesson.questions()[1].right());

  Lesson slide({.name = "map-reduce", .params = {"of=a"}, .unit_ms = 1, .answers = {"1=6"}});
  ASSERT_EQ(slide.questions().size(), 1u);
  EXPECT_EQ(slide.questions()[0].asked, "reduce(add, a).compute()");
  slide.compute_answers();
  EXPECT_TRUE(slide.questions()[0].right());

  for (const char* wrong : {"3=1", "0=1", "x=1", "1", "1=abc"}) {
    EXPECT_THROW(Lesson({.name = "map-reduce", .unit_ms = 1, .answers = {wrong}}), UsageError)
        << wrong;
  }
  EXPECT_THROW(Lesson({.name = "slow-arithmetic", .answers = {"1=-1.6"}}), UsageError);
}

// A calibration that failed is said in the reasoning, whoever asks for the prediction.
TEST(LessonFlow, ThePredictionSaysWhenCalibrationFailed) {
  const kernels::BuiltScenario b =
      kernels::build_scenario(find_lesson("slow-arithmetic"), {}, {.unit_ms = 1, .data_dir = ""});
  Calibration failed;
  failed.failed = "task 'x' (op add) failed: boom";
  const CellPrediction p = predict_cell(
      b.graph, b.targets, failed, SchedulerRegistry::global().info("threads"), {.workers = 2});
  EXPECT_THAT(p.reasoning, Contains(HasSubstr("calibration stopped: task 'x' (op add) failed")));
}

// slow-arithmetic's graph: (1 + 3) * (2 - 4) / 5, each operation sleeping one second.
LessonCase slow_arithmetic(const char* scheduler, unsigned workers, double guess, double took) {
  LessonCase c{.scheduler = scheduler, .workers = workers, .guess = guess};
  c.work = 4;
  c.span = 3;
  c.predicted = workers == 1 ? 4 : 3;
  c.measured = took;
  c.chain = "x -> z -> result";
  return c;
}

TEST(LessonFeedback, OneWorkerDoesAllTheWorkEvenIfTheGuessIsTheCriticalPath) {
  // A guess of 3 on sync is the critical path: pointing at it would argue for the guess.
  const std::string line = missed_line(slow_arithmetic("sync", 1, 3, 4.02));
  EXPECT_EQ(line, "one worker runs every task, one after the other: 4.00s of work in all");
}

TEST(LessonFeedback, TooLowOnSeveralWorkersIsTheChainNoWorkerShortens) {
  EXPECT_EQ(missed_line(slow_arithmetic("threads", 2, 1, 3.01)),
            "the longest chain, x -> z -> result, takes 3.00s: no number of workers shortens it");
  EXPECT_EQ(missed_line(slow_arithmetic("threads", 2, 6, 3.01)),
            "the longest chain, x -> z -> result, takes 3.00s: everything else runs beside it");
}

TEST(LessonFeedback, WhereTheWorkBindsTheWorkersShareIt) {
  LessonCase c = slow_arithmetic("threads", 2, 2, 4);
  c.work = 8;
  c.span = 1;
  c.predicted = 4;
  EXPECT_EQ(missed_line(c), "2 workers share 8.00s of work: 4.00s each at best");
  c.guess = 8;
  EXPECT_EQ(missed_line(c),
            "2 workers share 8.00s of work: 4.00s each at best, and the longest chain takes only "
            "1.00s");
  LessonCase cluster = slow_arithmetic("distributed", 2, 4, 2);  // 2 processes of 2 threads
  cluster.threads = 2;
  cluster.work = 8;
  cluster.span = 1;
  cluster.predicted = 2;
  EXPECT_EQ(missed_line(cluster),
            "4 threads share 8.00s of work: 2.00s each at best, and the longest chain takes only "
            "1.00s");
}

// fib's sync case on a busy machine: the student guessed the 4 s of work right; neither the GIL
// (sync has one thread) nor the model is to blame, the machine is, with its figure.
TEST(LessonFeedback, ABusyMachineIsNamedWithItsFigure) {
  LessonCase c = slow_arithmetic("sync", 1, 4, 8.5);
  c.predicted = 4;
  c.busy = 0.48;
  c.slowed_by.push_back("GIL on: threads of one process compute one at a time");
  EXPECT_EQ(missed_line(c),
            "the machine was busy: other programs took 48% of its CPU while this ran, so it took "
            "2.1x the prediction; run the lesson again when it is quieter");
  // A busy machine that did not slow the run is no excuse: the graph explains the miss (a test
  // suite running beside this one must not change what a too-low guess is told).
  LessonCase quick = slow_arithmetic("sync", 1, 3, 4.05);
  quick.busy = 0.9;
  EXPECT_EQ(missed_line(quick),
            "one worker runs every task, one after the other: 4.00s of work in all");
  // A guess below the prediction missed something in the graph first: that is what it is told,
  // busy machine or not.
  LessonCase locked = slow_arithmetic("threads", 2, 2, 5);
  locked.predicted = 4;
  locked.busy = 0.5;
  locked.slowed_by.push_back("lock=process on 4 tasks: the workers share one process");
  EXPECT_EQ(missed_line(locked), "lock=process on 4 tasks: the workers share one process");
}

TEST(LessonFeedback, AGuessThatAgreesWithThePredictionBlamesTheMachineNotTheStudent) {
  LessonCase c = slow_arithmetic("processes", 2, 3, 6.2);
  c.not_slowed_by.push_back(
      "GIL on: each worker process has its own interpreter lock, so computing runs in parallel");
  const std::string line = missed_line(c);
  EXPECT_THAT(line, StartsWith("nothing in the graph: your guess agrees with the prediction "
                               "(3.00s). This run took 2.1x the prediction"));
  EXPECT_THAT(line, HasSubstr("other programs were using this machine's cores"));
  c.measured = 1.5;
  EXPECT_THAT(missed_line(c), HasSubstr("0.5x the prediction: this machine was quicker"));
}

TEST(LessonFeedback, TheTwistIsNamedOnlyWhereItGoesAgainstTheGuess) {
  LessonCase c = slow_arithmetic("threads", 2, 1, 4);
  c.predicted = 4;
  const std::string gil =
      "GIL on: threads of one process compute one at a time: 4.00s of computing cannot overlap";
  c.slowed_by.push_back(gil);
  EXPECT_EQ(missed_line(c), gil);  // too low: the GIL slowed it
  c.guess = 8;
  EXPECT_THAT(missed_line(c), StartsWith("the longest chain"));  // too high: not the GIL

  LessonCase p = slow_arithmetic("processes", 2, 5, 2);
  p.predicted = 2;
  const std::string own_lock =
      "lock=process on 4 tasks: each worker process has its own lock, so they do not wait for "
      "each other";
  p.not_slowed_by.push_back(own_lock);
  EXPECT_EQ(missed_line(p), own_lock);  // too high: the locks did not serialise
}

TEST(LessonFeedback, CloseMeansWithinAFifthOrATenthOfASecond) {
  EXPECT_TRUE(close_to(3.5, 3.0));
  EXPECT_FALSE(close_to(3.7, 3.0));
  EXPECT_TRUE(close_to(0.15, 0.06));
  EXPECT_FALSE(close_to(0.2, 0.06));
}

}  // namespace
}  // namespace schedlab::suite
