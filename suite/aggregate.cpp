#include "schedlab/suite/aggregate.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "schedlab/suite/lesson_verdicts.hpp"

namespace schedlab::suite {
namespace {

// The cell `cell`'s speedup is measured against: the same scenario, parameters and GIL setting
// on the baseline scheduler (run --baseline, else the registry's), with the fewest threads.
const reports::Cell* baseline_of(const reports::SuiteResult& result, const reports::Cell& cell) {
  const std::string& chosen = result.context.speedup_baseline;
  const reports::Cell* best = nullptr;
  for (const reports::Cell& base : result.cells) {
    const bool is_baseline = chosen.empty() ? base.baseline : base.scheduler == chosen;
    if (is_baseline && base.scenario == cell.scenario && base.params == cell.params &&
        base.gil == cell.gil && base.wall.n > 0 &&
        (!best || base.workers * base.threads < best->workers * best->threads)) {
      best = &base;
    }
  }
  return best;
}

}  // namespace

void aggregate(reports::SuiteResult& result, int warmup) {
  for (reports::Cell& cell : result.cells) {
    std::vector<double> walls, cpus;
    std::vector<uint64_t> moved;
    cell.peak_rss_bytes = 0;
    for (const reports::Repetition& r : cell.reps) {
      walls.push_back(r.wall_ms);
      cpus.push_back(r.cpu_ms);
      moved.push_back(r.bytes_to_workers + r.bytes_from_workers);
      cell.peak_rss_bytes = std::max(cell.peak_rss_bytes, r.peak_rss_bytes);
    }
    cell.wall = reports::statistics(walls);
    cell.cpu_ms = reports::statistics(cpus).median;
    std::sort(moved.begin(), moved.end());
    cell.bytes_moved = moved.empty() ? 0 : moved[moved.size() / 2];
  }
  // Speedups once every cell's statistics are final (a baseline may come after its cells).
  for (reports::Cell& cell : result.cells) {
    cell.speedup = cell.efficiency = 0;
    cell.speedup_against.clear();
    const reports::Cell* base = baseline_of(result, cell);
    if (base && cell.wall.median > 0) {
      cell.speedup_against = fmt::format("{}/{}", base->scheduler, base->workers_text());
      cell.speedup = base->wall.median / cell.wall.median;
      // Per thread beyond the baseline's own (1 for sync; --baseline may have more).
      cell.efficiency =
          cell.speedup * (base->workers * base->threads) / (cell.workers * cell.threads);
    }
    cell.warnings.clear();
    reports::add_noise_warnings(cell, warmup, result.context.cores);
  }
  result.lesson_verdicts = judge_lessons(result);
}

}  // namespace schedlab::suite
