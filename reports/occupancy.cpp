#include "schedlab/reports/occupancy.hpp"

#include <algorithm>
#include <tuple>

namespace schedlab::reports {

OccupancyBuilder::OccupancyBuilder(double end_ms) {
  out_.slice_ms = std::max(end_ms, 1e-6) / static_cast<double>(kOccupancySlices);
}

Occupancy::Series& OccupancyBuilder::series(unsigned worker, std::string_view op) {
  if (last_ < out_.series.size() && out_.series[last_].worker == worker &&
      out_.series[last_].op == op) {
    return out_.series[last_];
  }
  auto [it, fresh] = index_.try_emplace({worker, std::string(op)}, out_.series.size());
  if (fresh) {
    out_.series.push_back({worker, std::string(op), 0, std::vector<double>(kOccupancySlices, 0)});
  }
  last_ = it->second;
  return out_.series[last_];
}

void OccupancyBuilder::add(unsigned worker, std::string_view op, double start_ms, double end_ms) {
  Occupancy::Series& s = series(worker, op);
  ++s.tasks;
  ++out_.tasks;
  const double slice = out_.slice_ms;
  start_ms = std::max(start_ms, 0.0);
  end_ms = std::max(end_ms, start_ms);
  // Clamped: a task that ends past end_ms (it should not) counts in the last slice.
  auto slice_of = [&](double t) {
    return static_cast<size_t>(std::min(t / slice, static_cast<double>(kOccupancySlices - 1)));
  };
  const size_t first = slice_of(start_ms), last = slice_of(end_ms);
  if (first == last) {
    s.busy_ms[first] += end_ms - start_ms;
    return;
  }
  s.busy_ms[first] += static_cast<double>(first + 1) * slice - start_ms;
  for (size_t i = first + 1; i < last; ++i) s.busy_ms[i] += slice;
  s.busy_ms[last] += end_ms - static_cast<double>(last) * slice;
}

Occupancy OccupancyBuilder::take() {
  std::sort(out_.series.begin(), out_.series.end(), [](const auto& a, const auto& b) {
    return std::tie(a.worker, a.op) < std::tie(b.worker, b.op);
  });
  index_.clear();
  last_ = 0;
  return std::exchange(out_, Occupancy{});
}

}  // namespace schedlab::reports
