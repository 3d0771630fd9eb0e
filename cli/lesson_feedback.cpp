#include "cli/lesson_feedback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace schedlab::cli {

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
  for (const std::string& line : c.reasoning) {
    const bool slows = (line.starts_with("lock=") && line.find("take turns") != line.npos) ||
                       line.starts_with("GIL on: threads") || line.find("cores:") != line.npos ||
                       line.starts_with("values move");
    const bool speeds = (line.starts_with("lock=") && line.find("do not wait") != line.npos) ||
                        line.starts_with("GIL on: each") || line.starts_with("GIL on: these");
    if (low ? slows : speeds) return line;
  }
  if (c.workers == 1) {
    return fmt::format("one worker runs every task, one after the other: {:.2f}s of work in all",
                       c.work);
  }
  if (c.span >= c.work / c.workers) {
    std::string chain;
    for (const std::string& line : c.reasoning) {
      if (line.starts_with("critical path")) chain = line.substr(line.find(": ") + 2);
    }
    return fmt::format("the longest chain, {}, takes {:.2f}s: {}", chain, c.span,
                       low ? "no number of workers shortens it" : "everything else runs beside it");
  }
  return fmt::format("{} workers share {:.2f}s of work: {:.2f}s each at best{}", c.workers, c.work,
                     c.work / c.workers,
                     low ? "" : fmt::format(", and the longest chain takes only {:.2f}s", c.span));
}

}  // namespace schedlab::cli
