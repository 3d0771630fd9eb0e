// What `schedlab lesson` tells a student whose guess was off.
#include "schedlab/cli/lesson_feedback.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace schedlab::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

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
}  // namespace schedlab::cli
