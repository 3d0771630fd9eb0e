#include "schedlab/core/suggest.hpp"

#include <algorithm>

namespace schedlab {
namespace {

// Optimal string alignment distance: Levenshtein with neighbour swaps ("thraeds").
size_t edits(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string closest_name(std::string_view given, const std::vector<std::string>& known) {
  std::string best;
  size_t best_edits = 0;
  for (const std::string& name : known) {
    const size_t e = edits(given, name);
    if (e <= std::max<size_t>(1, name.size() / 3) && (best.empty() || e < best_edits)) {
      best = name;
      best_edits = e;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view given, const std::vector<std::string>& known) {
  const std::string name = closest_name(given, known);
  return name.empty() ? "" : " (did you mean '" + name + "'?)";
}

}  // namespace schedlab
