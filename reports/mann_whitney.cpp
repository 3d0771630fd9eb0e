#include "schedlab/reports/mann_whitney.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace schedlab::reports {
namespace {

constexpr size_t kExactUpTo = 25;

// counts[u] = how many of the C(n + m, n) orderings of n and m distinct values give a U of u,
// by the recurrence on whether the largest value is one of the n (it then beats all m) or not.
std::vector<double> u_distribution(size_t n, size_t m) {
  // table[i][j] over u, built for i <= n, j <= m.
  std::vector<std::vector<std::vector<double>>> table(n + 1,
                                                      std::vector<std::vector<double>>(m + 1));
  for (size_t i = 0; i <= n; ++i) {
    for (size_t j = 0; j <= m; ++j) {
      std::vector<double>& t = table[i][j];
      t.assign(i * j + 1, 0);
      if (i == 0 || j == 0) {
        t[0] = 1;
        continue;
      }
      const std::vector<double>&with = table[i - 1][j], &without = table[i][j - 1];
      for (size_t u = 0; u < with.size(); ++u) t[u + j] += with[u];
      for (size_t u = 0; u < without.size(); ++u) t[u] += without[u];
    }
  }
  return table[n][m];
}

double normal_two_sided(double z) {
  return std::erfc(std::abs(z) / std::sqrt(2.0));
}

}  // namespace

double smallest_p(size_t n, size_t m) {
  if (n == 0 || m == 0) return 1;
  double ways = 1;  // C(n + m, n)
  for (size_t k = 1; k <= n; ++k) ways = ways * static_cast<double>(m + k) / static_cast<double>(k);
  return std::min(1.0, 2 / ways);
}

RankTest mann_whitney(const std::vector<double>& a, const std::vector<double>& b) {
  RankTest out;
  const size_t n = a.size(), m = b.size();
  for (double x : a) {
    for (double y : b) out.u += x > y ? 1 : x == y ? 0.5 : 0;
  }
  if (n < 2 || m < 2) return out;
  // Ranks of the pooled sample, ties sharing their mean rank; the tie term corrects the variance.
  std::vector<double> pooled(a);
  pooled.insert(pooled.end(), b.begin(), b.end());
  std::sort(pooled.begin(), pooled.end());
  double tie_term = 0;
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    while (j < pooled.size() && pooled[j] == pooled[i]) ++j;
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  const double nn = static_cast<double>(n), mm = static_cast<double>(m), mean = nn * mm / 2;
  if (tie_term == 0 && n <= kExactUpTo && m <= kExactUpTo) {
    const std::vector<double> counts = u_distribution(n, m);
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    // Two-sided: the orderings at least as far from the mean as this U, on either side (the
    // distribution is symmetric).
    const double lo = std::min(out.u, nn * mm - out.u);
    double tail = 0;
    for (size_t u = 0; u <= static_cast<size_t>(lo); ++u) tail += counts[u];
    out.p = std::min(1.0, 2 * tail / total);
    out.exact = true;
    return out;
  }
  const double total = nn + mm;
  const double variance = nn * mm / 12 * ((total + 1) - tie_term / (total * (total - 1)));
  if (variance <= 0) return out;  // every value equal: nothing tells them apart
  const double z = (std::abs(out.u - mean) - 0.5) / std::sqrt(variance);
  out.p = std::min(1.0, normal_two_sided(std::max(0.0, z)));
  return out;
}

}  // namespace schedlab::reports
