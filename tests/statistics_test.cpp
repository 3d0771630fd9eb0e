#include <gtest/gtest.h>

#include "schedlab/reports/mann_whitney.hpp"
#include "schedlab/reports/results.hpp"

namespace schedlab::reports {
namespace {

TEST(Statistics, EmptyAndSingleSamples) {
  Statistics none = statistics({});
  EXPECT_EQ(none.n, 0u);
  EXPECT_EQ(none.median, 0);
  Statistics one = statistics({5});
  EXPECT_EQ(one.median, 5);
  EXPECT_EQ(one.stddev, 0);
  EXPECT_EQ(one.cv, 0);
}

TEST(Statistics, KnownValues) {
  Statistics s = statistics({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 4);
  EXPECT_NEAR(s.stddev, 1.2909944, 1e-6);  // sample standard deviation
  EXPECT_NEAR(s.cv, 1.2909944 / 2.5, 1e-6);
  EXPECT_DOUBLE_EQ(s.mad, 1.0);
  EXPECT_EQ(s.outliers, 0u);
}

// Values checked against a brute-force count over every ordering (exact) and the textbook
// normal approximation with the tie and continuity corrections (R's wilcox.test, exact=FALSE).
TEST(MannWhitney, ExactWithoutTies) {
  RankTest t = mann_whitney({1, 2, 3}, {4, 5, 6});
  EXPECT_EQ(t.u, 0);
  EXPECT_TRUE(t.exact);
  EXPECT_NEAR(t.p, 0.1, 1e-12);  // the smallest 3 and 3 values can give
  EXPECT_NEAR(mann_whitney({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5}).p, 2.0 / 252, 1e-12);
  t = mann_whitney({1, 5, 2, 8, 3}, {4, 6, 7, 9, 10});
  EXPECT_EQ(t.u, 4);
  EXPECT_NEAR(t.p, 24.0 / 252, 1e-12);
  EXPECT_NEAR(mann_whitney({1, 2}, {3, 4, 5, 6}).p, 2.0 / 15, 1e-12);
  EXPECT_EQ(mann_whitney({1}, {2, 3}).p, 1);
}

TEST(MannWhitney, NormalApproximationWithTies) {
  RankTest t = mann_whitney({1, 2, 3, 4, 5}, {3, 4, 5, 6, 7});
  EXPECT_FALSE(t.exact);
  EXPECT_EQ(t.u, 4.5);
  EXPECT_NEAR(t.p, 0.113846298, 1e-6);
  EXPECT_EQ(mann_whitney({2, 2, 2}, {2, 2, 2}).p, 1);  // nothing tells equal values apart
}

TEST(MannWhitney, SmallestPossibleP) {
  EXPECT_NEAR(smallest_p(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(smallest_p(5, 5), 2.0 / 252, 1e-12);
  EXPECT_EQ(smallest_p(0, 4), 1);
}

TEST(Statistics, ZeroMeanGivesZeroCv) {
  EXPECT_EQ(statistics({-1, 1}).cv, 0);
}

TEST(Statistics, OutliersByMedianAbsoluteDeviation) {
  Statistics s = statistics({10, 10.1, 9.9, 10.2, 9.8, 30});
  EXPECT_EQ(s.outliers, 1u);
  EXPECT_EQ(statistics({10, 10, 10, 50}).outliers, 0u);  // MAD 0: nothing is called an outlier
}

TEST(Warnings, NoiseOutliersFirstRunAndPrediction) {
  Cell c;
  for (double w : {30.0, 10.0, 10.1, 9.9, 10.0}) c.reps.push_back(Repetition{.wall_ms = w});
  std::vector<double> walls;
  for (auto& r : c.reps) walls.push_back(r.wall_ms);
  c.wall = statistics(walls);
  c.sleep_bound = true;
  c.predicted_ms = 5;
  add_noise_warnings(c, 0, 2);
  std::vector<std::string> kinds;
  for (const Warning& w : c.warnings) kinds.push_back(w.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"noise", "outliers", "first-run", "prediction"}));
  EXPECT_NE(c.warnings[2].message.find("--warmup 1"), std::string::npos);
}

// A cell the reports show as missed (outside its allowance) says so in its warnings too, which
// the console and Markdown show; inside it, nothing.
TEST(Warnings, APredictionMissedByMoreThanItsAllowance) {
  auto warned = [](bool sleep_bound, double measured, double other_cpu_ms = 0) {
    Cell c;
    c.reps = {Repetition{.wall_ms = measured, .other_cpu_ms = other_cpu_ms}};
    c.wall = statistics({measured});
    c.sleep_bound = sleep_bound;
    c.predicted_ms = 100;
    add_noise_warnings(c, 1, 2);
    return c.warnings.empty() ? std::string() : c.warnings.back().message;
  };
  EXPECT_EQ(warned(true, 104), "");
  EXPECT_EQ(warned(true, 107),
            "measured/predicted is 1.07, off by more than the 5% allowed where tasks only sleep: "
            "the unit may be too small for the overheads of its tasks (try --unit 100ms)");
  // Other programs took 107 of 214 ms of the two cores' time: the machine is the cause, and
  // the figure says so (a lock or the model is not blamed).
  EXPECT_EQ(warned(true, 107, 107),
            "measured/predicted is 1.07, off by more than the 5% allowed where tasks only sleep: "
            "the machine was busy: other programs took 50% of its CPU while it ran");
  // 20 ms is under what /proc/stat's ticks can tell from nothing: counted as 0.
  EXPECT_NE(warned(false, 150, 20)
                .find("other programs took only 0% of the CPU, so the "
                      "prediction's model of this cell is off"),
            std::string::npos);
  EXPECT_EQ(warned(false, 110), "");
  EXPECT_EQ(warned(false, 38).substr(0, 80),
            "measured/predicted is 0.38, off by more than the 15% allowed where tasks compute");
  EXPECT_EQ(warned(false, 120).substr(0, 30), "measured/predicted is 1.20, of");
}

}  // namespace
}  // namespace schedlab::reports
