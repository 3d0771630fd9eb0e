#include "schedlab/suite/lesson_feedback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "schedlab/reports/results.hpp"

namespace schedlab::suite {

namespace {
// A run this much slower than its prediction was slowed by something outside the graph.
constexpr double kStarvedRun = 1.2;
}  // namespace

bool close_to(double guess, double actual) {
  return std::abs(guess - actual) <= std::max(0.2 * actual, 0.1);
}

// What a wrong guess most likely missed. A guess that agrees with the prediction had the graph
// right: the machine made the difference, and saying so beats a line of reasoning that argues
// for the guess. Otherwise the lesson's twist (a lock, the GIL, too few cores, values moving
// between processes) where it goes against the guess, else what bounds the time: one worker
// doing all the work, the chain that no worker count shortens, or the work shared by workers.
std::string missed_line(const LessonCase& c) {
  const double guess = *c.guess;
  // A run well over its prediction on a starved machine says nothing about the student's
  // reasoning: the figure says what happened (and a lock or the GIL is not blamed). A busy
  // machine that did not slow the run (measured close to predicted) is no excuse.
  const bool starved =
      c.busy >= reports::kBusyShare && c.predicted > 0 && c.measured > kStarvedRun * c.predicted;
  // Only for a guess that had the graph right (at or above the prediction): a guess below it
  // missed something in the graph first, and is told that (a lock, the chain).
  if (starved && guess < c.measured && (guess >= c.predicted || close_to(guess, c.predicted))) {
    return fmt::format(
        "the machine was busy: other programs took {:.0f}% of its CPU while this ran, so it "
        "took {:.1f}x the prediction; run the lesson again when it is quieter",
        100 * c.busy, c.measured / c.predicted);
  }
  if (c.predicted > 0 && close_to(guess, c.predicted)) {
    const double ratio = c.measured / c.predicted;
    return fmt::format(
        "nothing in the graph: your guess agrees with the prediction ({:.2f}s). This run took "
        "{:.1f}x the prediction: {}",
        c.predicted, ratio,
        ratio > 1 ? "other programs were using this machine's cores; run the lesson again when "
                    "it is quieter"
                  : "this machine was quicker than the model expects");
  }
  const bool low = guess < c.measured;
  const std::vector<std::string>& twists = low ? c.slowed_by : c.not_slowed_by;
  if (!twists.empty()) return twists.front();
  if (c.lanes() == 1) {
    return fmt::format("one worker runs every task, one after the other: {:.2f}s of work in all",
                       c.work);
  }
  if (c.span >= c.work / c.lanes()) {
    return fmt::format("the longest chain, {}, takes {:.2f}s: {}", c.chain, c.span,
                       low ? "no number of workers shortens it" : "everything else runs beside it");
  }
  return fmt::format("{} {} share {:.2f}s of work: {:.2f}s each at best{}", c.lanes(),
                     c.threads > 1 ? "threads" : "workers", c.work, c.work / c.lanes(),
                     low ? "" : fmt::format(", and the longest chain takes only {:.2f}s", c.span));
}

}  // namespace schedlab::suite
