// The Mann-Whitney U test (Wilcoxon rank-sum), as Google Benchmark's compare.py uses to tell a
// real change from noise: does one sample tend to be larger than the other? It needs no
// assumption about the shape of the distributions, which for run times is skewed (a slow
// outlier is common, a fast one is not).
#pragma once

#include <cstddef>
#include <vector>

namespace schedlab::reports {

struct RankTest {
  double u = 0;        // U of sample a: pairs (x in a, y in b) with x > y, ties counting half
  double p = 1;        // two-sided p-value: how often samples this different arise by chance
  bool exact = false;  // from the exact distribution (no ties, both samples up to 25)
};

// The test of a against b. A sample of fewer than 2 values gives p = 1: no test is possible.
// Without ties and with both samples of at most 25 values, p is exact (counted over every way
// of ranking the two samples); otherwise the normal approximation with the correction for
// ties and for continuity.
RankTest mann_whitney(const std::vector<double>& a, const std::vector<double>& b);

// The smallest two-sided p-value any samples of these sizes can give (2 / C(n + m, n)): with
// 3 and 3 values it is 0.1, so at alpha 0.05 no difference can be shown.
double smallest_p(size_t n, size_t m);

}  // namespace schedlab::reports
