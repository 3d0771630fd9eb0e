#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {
namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

}  // namespace

Statistics statistics(std::vector<double> x) {
  Statistics s;
  s.n = x.size();
  if (x.empty()) return s;
  s.median = median_of(x);
  s.mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(s.n);
  auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  s.min = *lo;
  s.max = *hi;
  if (s.n >= 2) {
    double ss = 0;
    for (double v : x) ss += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(s.n - 1));
  }
  s.cv = s.mean != 0 ? s.stddev / s.mean : 0;
  std::vector<double> deviations;
  for (double v : x) deviations.push_back(std::abs(v - s.median));
  s.mad = median_of(deviations);
  // 1.4826 * MAD estimates the standard deviation of normal data; 3 of those is far out. Very
  // steady runs have a tiny MAD, so a run within 2% of the median is never an outlier (nor is
  // anything when the MAD is zero).
  const double limit = std::max(3 * 1.4826 * s.mad, 0.02 * std::abs(s.median));
  if (s.mad > 0) {
    s.outliers = static_cast<size_t>(std::count_if(
        x.begin(), x.end(), [&](double v) { return std::abs(v - s.median) > limit; }));
  }
  return s;
}

double Repetition::other_cpu_share(unsigned cores) const {
  if (wall_ms <= 0 || cores == 0 || other_cpu_ms < kBusyResolutionMs) return 0;
  return other_cpu_ms / (wall_ms * cores);
}

double busy_share(const Cell& cell, unsigned cores) {
  std::vector<double> shares;
  for (const Repetition& r : cell.reps) shares.push_back(r.other_cpu_share(cores));
  return median_of(shares);
}

void add_noise_warnings(Cell& cell, int warmup, unsigned cores) {
  const Statistics& s = cell.wall;
  if (s.n >= 2 && s.cv > 0.10) {
    cell.warnings.push_back({"noise", fmt::format("wall times vary a lot (cv {:.0f}%): close "
                                                  "other programs and use --repeat {}",
                                                  100 * s.cv, std::max<size_t>(10, 2 * s.n))});
  }
  if (s.outliers > 0) {
    cell.warnings.push_back({"outliers", fmt::format("{} of {} runs are outliers (median absolute "
                                                     "deviation test): use --warmup {} and "
                                                     "--repeat {}",
                                                     s.outliers, s.n, std::max(1, warmup + 1),
                                                     std::max<size_t>(5, s.n + 2))});
  }
  // The profile run warms every cell up; a first measured run still far slower says one was
  // not enough.
  if (cell.reps.size() >= 3) {
    std::vector<double> rest;
    for (size_t i = 1; i < cell.reps.size(); ++i) rest.push_back(cell.reps[i].wall_ms);
    double typical = median_of(rest);
    if (typical > 0 && cell.reps[0].wall_ms > 1.5 * typical + 1) {
      cell.warnings.push_back(
          {"first-run", fmt::format("the first run took {:.1f} ms, the others "
                                    "about {:.1f} ms: use --warmup {}",
                                    cell.reps[0].wall_ms, typical, warmup + 1)});
    }
  }
  // The allowance the prediction is held to, said here too so that the console and Markdown
  // show it; the likely cause is what this run measured, not a guess.
  if (cell.predicted_ms > 0 && s.n > 0 && cell.error.empty() && !cell.held()) {
    const double busy = busy_share(cell, cores);
    std::string cause;
    if (busy >= kBusyShare) {
      cause = fmt::format(
          "the machine was busy: other programs took {:.0f}% of its CPU while it ran", 100 * busy);
    } else if (cell.sleep_bound) {
      cause = "the unit may be too small for the overheads of its tasks (try --unit 100ms)";
    } else {
      cause = fmt::format(
          "other programs took only {:.0f}% of the CPU, so the prediction's model of this cell "
          "is off (or the machine was busy while its tasks were timed for the prediction)",
          100 * busy);
    }
    cell.warnings.push_back(
        {"prediction",
         fmt::format("measured/predicted is {:.2f}, off by more than the {:.0f}% allowed where "
                     "tasks {}: {}",
                     cell.ratio(), 100 * (cell.tolerance() - 1),
                     cell.sleep_bound ? "only sleep" : "compute", cause)});
  }
}

}  // namespace schedlab::reports
