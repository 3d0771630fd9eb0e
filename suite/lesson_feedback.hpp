// What `schedlab lesson` says about a guess: one case of a lesson (a scheduler and its
// workers), and the line that a wrong guess most likely missed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace schedlab::suite {

// Times in the notebook's seconds (units).
struct LessonCase {
  std::string scheduler{};
  unsigned workers = 1;
  unsigned threads = 1;  // of each worker process (distributed's --threads-per-worker)
  unsigned lanes() const { return workers * threads; }  // tasks that can run at once
  std::optional<double> guess{};
  double predicted = 0, measured = 0;
  double work = 0, span = 0;  // every task's time added up; the longest chain's
  std::string chain{};        // the longest chain's keys
  std::vector<std::string> reasoning{};
  std::vector<std::string> slowed_by{}, not_slowed_by{};  // as Prediction has them
  // Share of the machine's CPU other programs took while this case ran (0.25: a quarter).
  double busy = 0;
};

// Within 20% (or a tenth of a second, for short cases): a guess counts as right.
bool close_to(double guess, double actual);

// What a wrong guess (c.guess set) most likely missed, in one line.
std::string missed_line(const LessonCase& c);

}  // namespace schedlab::suite
