#include <gtest/gtest.h>

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
  add_noise_warnings(c, 0);
  std::vector<std::string> kinds;
  for (const Warning& w : c.warnings) kinds.push_back(w.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"noise", "outliers", "first-run", "prediction"}));
  EXPECT_NE(c.warnings[2].message.find("--warmup 1"), std::string::npos);
}

// A cell the reports show as missed (outside its allowance) says so in its warnings too, which
// the console and Markdown show; inside it, nothing.
TEST(Warnings, APredictionMissedByMoreThanItsAllowance) {
  auto warned = [](bool sleep_bound, double measured) {
    Cell c;
    c.reps = {Repetition{.wall_ms = measured}};
    c.wall = statistics({measured});
    c.sleep_bound = sleep_bound;
    c.predicted_ms = 100;
    add_noise_warnings(c, 1);
    return c.warnings.empty() ? std::string() : c.warnings.back().message;
  };
  EXPECT_EQ(warned(true, 104), "");
  EXPECT_EQ(warned(true, 107),
            "measured/predicted is 1.07, off by more than the 5% allowed where tasks only sleep: "
            "the machine may be busy, or the unit too small for its overheads (try --unit 100ms)");
  EXPECT_EQ(warned(false, 110), "");
  EXPECT_EQ(warned(false, 38).substr(0, 80),
            "measured/predicted is 0.38, off by more than the 15% allowed where tasks compute");
  EXPECT_EQ(warned(false, 120).substr(0, 30), "measured/predicted is 1.20, of");
}

}  // namespace
}  // namespace schedlab::reports
